// A results file built so the answers are known: who wins each workload, and by how much.

import { cellFromRepetitions } from '../../measure.js';
import { type CellResult, RESULTS_SCHEMA, RESULTS_VERSION, type Repetition, type Results, type VariantResult } from '../../results.js';

/** requests/s per variant and workload, the figures the fixture is built from. */
export const FIXTURE_RPS: Record<string, Record<string, number>> = {
  'single-loop': { plaintext: 50_000, json: 40_000, cpu: 1_000, io: 5_000, echo: 20_000 },
  cluster: { plaintext: 30_000, json: 28_000, cpu: 1_900, io: 5_100, echo: 18_000 },
  'worker-pool': { plaintext: 20_000, json: 18_000, cpu: 1_700, io: 190, echo: 10_000 },
  blocking: { plaintext: 3_000, json: 2_800, cpu: 900, io: 90, echo: 2_500 },
  'node-http': { plaintext: 25_000, json: 22_000, cpu: 950, io: 4_900, echo: 20_800 },
};

/** What each variant reports about itself on start, with its defaults (the others report nothing). */
const FIXTURE_INFO: Record<string, Record<string, string | number>> = {
  cluster: { workers: 2, schedule: 'rr', restarts: 0 },
  'worker-pool': { workers: 2, tasksPerWorker: 1, maxQueue: 1024, queue: 'fifo' },
};

/** Cells as `variant/workload`, to give some of them a property. */
export interface FixtureOptions {
  /** Load generator saturated, server not. */
  clientBound?: string[];
  /** Served unevenly: Jain's index 0.6. */
  unfair?: string[];
  /** Even but for one connection served a tenth as often: Jain's index 0.98. */
  starved?: string[];
  /** First responses on fresh connections as late as 1.5 s. */
  slowFirstResponse?: string[];
}

function fairness(unfair: boolean, starved: boolean): Repetition['fairness'] {
  if (unfair) return { jain: 0.6, min: 40, median: 150, max: 270 };
  if (starved) return { jain: 0.98, min: 15, median: 150, max: 155 };
  return { jain: 0.999, min: 150, median: 155, max: 160 };
}

function repetition(rps: number, scale: number, unfair = false, slowFirst = false, starved = false): Repetition {
  const requests = Math.round(rps * scale * 3);
  return {
    requests,
    durationSec: 3,
    requestsPerSec: rps * scale,
    bytesPerSec: rps * scale * 150,
    latencyMs: { mean: 2, p50: 1.5, p90: 3, p99: 6, p99_9: 12, p99_99: 20, max: 30 },
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    resets: 0,
    serverCpuUserSec: 2,
    serverCpuSystemSec: 0.5,
    serverCpuUsPerRequest: (2.5 * 1e6) / requests,
    serverPeakRssBytes: 80 * 1048576,
    loadgenCpuSec: 1.5,
    loadgenCpuShare: 0.5,
    serverCpuShare: 0.95,
    reconnects: 0,
    fairness: fairness(unfair, starved),
    firstResponseMs: slowFirst ? { p50: 600, p99: 1500, max: 1800, failed: 0 } : { p50: 20, p99: 30, max: 31, failed: 0 },
    bottleneck: 'server',
    openLoop: null,
  };
}

export function fixtureResults(opts: FixtureOptions = {}): Results {
  const variants = Object.keys(FIXTURE_RPS);
  return {
    schema: RESULTS_SCHEMA,
    version: RESULTS_VERSION,
    runId: '20261123T000000Z-fixture',
    status: 'complete',
    startedAt: '2026-11-23T00:00:00.000Z',
    finishedAt: '2026-11-23T00:03:00.000Z',
    environment: {
      node: 'v20.20.2',
      os: 'linux 6.1',
      cpuModel: 'Fixture CPU',
      cpus: 4,
      loadAverageBefore: [0.1, 0.1, 0.1],
      gitSha: 'abcdef123456',
      gitDirty: false,
      loadgen: { name: 'builtin', version: '0.1.0' },
      pinning: { server: '1-3', loadgen: '0' },
    },
    settings: {
      profile: 'quick',
      variants,
      workloads: ['plaintext', 'json', 'cpu', 'io', 'echo'],
      connections: [64],
      pipelining: [1],
      durationSec: 3,
      warmupSec: 1,
      repetitions: 2,
      capacity: null,
      targets: null,
    },
    variants: variants.map(
      (name): VariantResult => ({
        name,
        status: 'ok',
        verification: { ok: true, failures: [] },
        pids: [1],
        info: { ...FIXTURE_INFO[name] },
        cells: Object.entries(FIXTURE_RPS[name] ?? {}).map(([workload, rps]): CellResult => {
          const has = (list?: string[]) => list?.includes(`${name}/${workload}`) ?? false;
          const reps = [0.98, 1.02].map((scale) => repetition(rps, scale, has(opts.unfair), has(opts.slowFirstResponse), has(opts.starved)));
          const cell = cellFromRepetitions({ workload, connections: 64, pipelining: 1 }, reps);
          return has(opts.clientBound) ? { ...cell, clientBound: true, bottleneck: 'loadgen' } : cell;
        }),
      }),
    ),
  };
}
