// A fixture to check the instrument with: an HTTP server that answers at once, except that its event loop blocks (a busy
// loop) for `stallMs` every `everyMs`, the server wrk2's README uses to show what a generator
// that waits for answers hides. A stall blocks everything in its process, so a test runs it in a
// process of its own: in the test's process it would stall the load generator too.
//
//   node dist/bench/loadgen/stall-server.child.js --stall-ms 1000 --every-ms 5000
//   listening on http://127.0.0.1:40123
//   cbench load http://127.0.0.1:40123/ --rate 2000 --duration 12   (then without --rate)

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { builtModule } from '../../shared/built.js';
import { listeningLine } from '../../shared/serve-protocol.js';
import { type ServerProcess, startServer } from '../lib/processes.js';

/** How the server stalls. */
export interface StallOptions {
  /** How long each stall blocks the event loop, in ms. */
  stallMs: number;
  /** Stalls start this far apart (start to start), in ms, the first one as soon as it listens. */
  everyMs: number;
  host?: string;
  port?: number;
}

/** A stall server in this process. */
export interface StallServer {
  port: number;
  /** How many stalls have run so far. */
  stalls(): number;
  close(): Promise<void>;
}

const BODY = 'Hello, World!';

/** Starts a stall server in this process (which it will block: see above). */
export async function startStallServer(o: StallOptions): Promise<StallServer> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': BODY.length });
    res.end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve));
  // Stalls start on a fixed schedule from the moment it listens (not everyMs after the previous
  // one ended, nor with a stall-free first period), so over any window of k·everyMs from then on
  // the server is stalled for exactly k·stallMs.
  const t0 = performance.now();
  let done = 0;
  let timer: NodeJS.Timeout;
  const schedule = () => {
    timer = setTimeout(stall, Math.max(0, t0 + done * o.everyMs - performance.now()));
  };
  const stall = () => {
    const until = performance.now() + o.stallMs;
    while (performance.now() < until) {
      // busy: nothing else in this process runs
    }
    done++;
    schedule();
  };
  schedule();
  return {
    port: (server.address() as AddressInfo).port,
    stalls: () => done,
    close: () => {
      clearTimeout(timer);
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Starts a stall server in a process of its own; stop it with stop() (which kills it by its pid). */
export async function startStallServerProcess(o: StallOptions): Promise<ServerProcess> {
  const script = builtModule(import.meta.url, 'stall-server.child');
  return startServer('stall-server', { argv: [process.execPath, script, '--stall-ms', String(o.stallMs), '--every-ms', String(o.everyMs)] });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'stall-ms': { type: 'string' }, 'every-ms': { type: 'string' }, port: { type: 'string', default: '0' } } });
  const stallMs = Number(values['stall-ms']);
  const everyMs = Number(values['every-ms']);
  if (!(stallMs >= 0 && everyMs > 0)) throw new Error('usage: stall-server --stall-ms MS --every-ms MS [--port N]');
  const server = await startStallServer({ stallMs, everyMs, port: Number(values.port) });
  process.stdout.write(listeningLine('127.0.0.1', server.port));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
