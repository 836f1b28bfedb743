// Runs autocannon in a process of its own and prints one JSON line: its result and the CPU time
// this process used, which is how the harness knows whether the load generator was the limit.

import autocannon from 'autocannon';
import { seededRandom } from '../../shared/random.js';
import { readRunnerArg } from './runner-arg.js';

/** A request of a mix: drawn for every request autocannon builds. */
interface MixOption {
  method: string;
  path: string;
  bodyBase64?: string;
  weight: number;
}

interface RunnerOptions {
  url: string;
  method: string;
  bodyBase64?: string;
  mix?: MixOption[];
  /** Seed of a mix's draws. */
  seed?: number;
  connections: number;
  pipelining: number;
  durationSec: number;
}

const opts = readRunnerArg<RunnerOptions>(process.argv[2]);
/** A headers object of its own each time: autocannon writes Content-Length into the one it is given. */
const octets = () => ({ 'content-type': 'application/octet-stream' });

/**
 * A mix, as autocannon can run one: a single request whose setupRequest draws method, path and
 * body anew each time autocannon builds it. autocannon resets a connection's context whenever its
 * list of requests wraps (every request, with one), so the draws come from one seeded sequence
 * for all connections, in the order requests are built, not from one per connection.
 */
function mixRequests(mix: MixOption[], seed: number) {
  const total = mix.reduce((n, e) => n + e.weight, 0);
  const entries = mix.map((e) => ({ method: e.method, path: e.path, ...(e.bodyBase64 === undefined ? {} : { body: Buffer.from(e.bodyBase64, 'base64') }) }));
  const random = seededRandom(seed);
  const draw = () => {
    let x = random() * total;
    for (let i = 0; i < mix.length; i++) {
      x -= (mix[i] as MixOption).weight;
      if (x < 0) return entries[i] as (typeof entries)[number];
    }
    return entries[entries.length - 1] as (typeof entries)[number];
  };
  return [
    {
      setupRequest: (req: Record<string, unknown>) => {
        const e = draw();
        return e.body === undefined
          ? { ...req, method: e.method, path: e.path, body: undefined, headers: {} }
          : { ...req, method: e.method, path: e.path, body: e.body, headers: octets() };
      },
    },
  ];
}
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();

autocannon(
  {
    url: opts.url,
    method: opts.method,
    // A mix sets each request's method, path, body and headers itself.
    ...(opts.mix === undefined
      ? opts.bodyBase64 === undefined
        ? {}
        : { body: Buffer.from(opts.bodyBase64, 'base64'), headers: octets() }
      : { requests: mixRequests(opts.mix, opts.seed ?? 1) }),
    connections: opts.connections,
    pipelining: opts.pipelining,
    duration: opts.durationSec,
    // autocannon stops at the first sample tick after the duration: tick often, so short runs end on time.
    sampleInt: 100,
    timeout: 10,
  },
  (err: Error | null, result: unknown) => {
    if (err !== null) {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const wallSec = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`${JSON.stringify({ result, cpuSec: (cpu.user + cpu.system) / 1e6, wallSec })}\n`);
  },
);
