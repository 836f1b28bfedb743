import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { builtModule } from '../../shared/built.js';
import { spawnTracked } from '../lib/processes.js';
import { workloads } from '../plan/scenarios.js';
import type { RunnerOptions } from './builtin.child.js';
import { builtinOptions } from './builtin.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const target = (origin: string) => ({ origin, workload: workloads.plaintext, connections: 1, pipelining: 1, durationSec: 1, pin: [] });

describe('builtinOptions', () => {
  it('connects to the origin a --target gives: its port, 80 when it has none, an IPv6 literal without brackets', () => {
    expect(builtinOptions(target('http://127.0.0.1:8080'))).toMatchObject({ host: '127.0.0.1', port: 8080, path: '/plaintext' });
    expect(builtinOptions(target('http://example.test'))).toMatchObject({ host: 'example.test', port: 80 });
    expect(builtinOptions(target('http://[::1]:3000'))).toMatchObject({ host: '::1', port: 3000 });
  });

  it('passes an open loop on: rate, arrivals and seed', () => {
    expect(builtinOptions({ ...target('http://127.0.0.1:1'), rate: 500, arrivals: 'poisson', seed: 3 })).toMatchObject({
      rate: 500,
      arrivals: 'poisson',
      seed: 3,
    });
    expect(builtinOptions({ ...target('http://127.0.0.1:1'), rate: 500 })).toMatchObject({ rate: 500, arrivals: 'constant' });
    expect(builtinOptions(target('http://127.0.0.1:1'))).not.toHaveProperty('rate');
  });
});

/**
 * The engine's functions V8 threw away, and why, in a --trace-deopt trace: only for a cause the
 * engine's own code made (a constant field changed, an object's hidden class changed), not for
 * a path taken for the first time.
 */
function thrownAway(trace: string, names: readonly string[]): string[] {
  const name = `(${names.join('|')})`;
  // V8 before 12.x says "code dependencies"; later ones name the dependency (a field's constness,
  // type or representation changed, a map deprecated).
  const marked = new RegExp(
    `marking dependent code .*SharedFunctionInfo ${name}>.*reason: (code dependencies|dependent field (type constness|type|representation) changed|dependent map was deprecated)`,
  );
  const wrongMap = new RegExp(`bailout \\(kind: [^,]*, reason: wrong map\\).*<JSFunction ${name} `);
  return trace.split('\n').filter((l) => marked.test(l) || wrongMap.test(l));
}

/**
 * The open loop's hot path: what runs for every request and every turn of the loop, by names
 * Node's own code does not use (its queues have a `shift`, its streams an `onread`).
 */
const HOT = ['pump', 'tick', 'onResponses', 'recordLatency', 'refill', 'sendBacklog', 'enqueueFree', 'takeFree'];

describe('the builtin generator in its own process', () => {
  it("keeps its optimized hot path through the window's start and end (an open loop, traced with --trace-deopt)", async () => {
    // Answers 3 ms late, so some are still in flight when the window closes (what its close did
    // to the hot path shows only in code that runs after it).
    const server = createServer((_req, res) => setTimeout(() => res.end('ok'), 3));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => server.close());
    server.on('connection', (s) => cleanups.push(() => s.destroy()));
    const { port } = server.address() as AddressInfo;
    const options: RunnerOptions = {
      host: '127.0.0.1',
      port,
      path: '/',
      method: 'GET',
      headers: [],
      connections: 64,
      pipelining: 1,
      rate: 4000,
      warmupSec: 1.5,
      durationSec: 1.5,
      timeoutSec: 5,
    };
    const argv = [process.execPath, '--trace-opt', '--trace-deopt', builtModule(import.meta.url, 'builtin.child'), JSON.stringify(options)];
    const { child, output } = spawnTracked(argv);
    cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
    const code = await new Promise((r) => child.on('close', r));
    const trace = output();
    expect(code, trace.slice(-500)).toBe(0);
    // The trace shows the hot path optimized (else it could not show it thrown away) ...
    expect(trace).toMatch(/completed optimizing .*<JSFunction onResponses /);
    // ... and not thrown away by what the engine changes when the window opens or ends (before
    // ce30f4c: "marking dependent code ... pump ... code dependencies" when the window opened,
    // and "wrong map" in all of these when it ended).
    expect(thrownAway(trace, HOT)).toEqual([]);
  }, 30_000);
});
