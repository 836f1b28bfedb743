// autocannon: Node's own HTTP load generator, one event loop. It saturates well below what a
// fast server answers on one core, which is why every sample records its CPU use.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { builtModule } from '../../shared/built.js';
import { runRunner } from './runner-arg.js';
import type { LatencyMs, LoadGenerator, LoadSample, LoadTarget } from './types.js';

const require = createRequire(import.meta.url);
const RUNNER = builtModule(import.meta.url, 'autocannon.child');

interface AutocannonResult {
  requests: { total: number };
  throughput: { total: number };
  /** With more percentiles than these. */
  latency: LatencyMs;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  duration: number;
}

export const autocannonLoadgen: LoadGenerator<'autocannon'> = {
  name: 'autocannon',
  available: () => true,
  install: 'npm ci (it is a dependency)',
  // Its rate limits lower the send rate when the server slows (coordinated omission); no open loop here.
  openLoop: false,
  threads: false,
  version: () => (JSON.parse(readFileSync(require.resolve('autocannon/package.json'), 'utf8')) as { version: string }).version,
  async run(t: LoadTarget): Promise<LoadSample> {
    if (t.rate !== undefined) throw new Error(`autocannon cannot drive an open loop; use the builtin generator`);
    const [first, ...more] = t.workload.requests;
    if (first === undefined) throw new Error('a workload without requests');
    const base64 = (b: Buffer | undefined) => (b === undefined ? {} : { bodyBase64: b.toString('base64') });
    const options = {
      url: t.origin + first.path,
      method: first.method,
      ...base64(first.body),
      ...(more.length === 0 ? {} : { mix: t.workload.requests.map((r) => ({ method: r.method, path: r.path, weight: r.weight, ...base64(r.body) })) }),
      ...(t.seed === undefined ? {} : { seed: t.seed }),
      connections: t.connections,
      pipelining: t.pipelining,
      durationSec: t.durationSec,
    };
    const { result, cpuSec } = await runRunner<{ result: AutocannonResult; cpuSec: number }>(RUNNER, options, {
      pin: t.pin,
      key: 'result',
      what: 'autocannon',
    });
    const l = result.latency;
    return {
      requests: result.requests.total,
      durationSec: result.duration,
      requestsPerSec: result.requests.total / result.duration,
      bytesPerSec: result.throughput.total / result.duration,
      latencyMs: { mean: l.mean, p50: l.p50, p90: l.p90, p99: l.p99, p99_9: l.p99_9, p99_99: l.p99_99, max: l.max },
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      resets: result.resets,
      loadgenCpuSec: cpuSec,
      reconnects: null,
      fairness: null,
      firstResponseMs: null,
      // It reports latency over every request only, not per request of a mix.
      routes: null,
    };
  },
};
