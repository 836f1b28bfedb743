// A results file built so the answers are known: who wins each workload, and by how much; as a
// capacity run, what each variant's sweep says; with the mixes, what each request of a mix had.

import { describeMixes, HEAVY_CPU_PATH, offeredRps, parseRate } from '../../plan/scenarios.js';
import {
  type CellResult,
  type OkCell,
  type RatePoint,
  RESULTS_SCHEMA,
  RESULTS_VERSION,
  type Repetition,
  type Results,
  SHIPPED_MODELS,
  type VariantResult,
} from '../../results/results.js';
import { analyseSweep } from '../capacity.js';
import { cellFromRepetitions, summaryOf } from '../repetitions.js';

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
  /** A capacity run: every cell swept at FIXTURE_RATES, each variant along its FIXTURE_SHAPES curve. */
  capacity?: boolean;
  /** In a capacity run, the server only half busy where its sweep fell behind (the generator's connections, not its CPU, ran out). */
  connectionsBound?: string[];
  /** In a capacity run, the load generator out of CPU (95%) at every rate that missed. */
  generatorSaturated?: string[];
  /**
   * In a capacity run, the load generator's own delays made the tail at every rate that missed:
   * it held up 5% of the requests, and the others kept a p99 of a third of the objective.
   */
  generatorDelayed?: string[];
  /** A run against two servers the suite did not start (FIXTURE_TARGETS) instead of the variants; no node-http. */
  targets?: boolean;
  /**
   * The mixes too (FIXTURE_MIXES), and offload among the variants (like single-loop on the other
   * workloads); every cell with per-route figures and settings.mixes recorded, as the builtin
   * generator and a version 5 run give them.
   */
  mixes?: boolean;
}

/** The quick and the heavy request of the built-in mixes, as results label them. */
export const QUICK = 'GET /json';
export const HEAVY = `GET ${HEAVY_CPU_PATH}`;

/** A cell of a mix: requests/s, and per request p50 / p99 / p99.9 in ms (each repetition 2% either side, so the medians are these). */
interface MixFigures {
  rps: number;
  routes: Record<string, [number, number, number]>;
}

/**
 * The mixes' cells at 64 connections. A heavy request holds an event loop for tens of ms, so on
 * single-loop, cluster and node-http GET /json waits behind it (p99 2 ms alone, 50–60 ms with 5%
 * heavy); worker-pool's runs every request on a thread (8–9 ms either way); offload's stays on its
 * loop (3 ms) while its heavy requests wait in its pool (150 ms). blocking is not measured on the mixes.
 */
export const FIXTURE_MIXES: Record<string, Record<string, MixFigures>> = {
  mixed: {
    'single-loop': { rps: 700, routes: { [QUICK]: [1, 58, 70], [HEAVY]: [27, 88, 95] } },
    cluster: { rps: 800, routes: { [QUICK]: [1, 48, 60], [HEAVY]: [27, 80, 90] } },
    'worker-pool': { rps: 650, routes: { [QUICK]: [3, 9.5, 12], [HEAVY]: [30, 115, 130] } },
    offload: { rps: 690, routes: { [QUICK]: [0.8, 2.9, 4], [HEAVY]: [60, 140, 160] } },
    'node-http': { rps: 690, routes: { [QUICK]: [1, 57, 68], [HEAVY]: [27, 90, 97] } },
  },
  'mixed@0%': {
    'single-loop': { rps: 40_000, routes: { [QUICK]: [0.9, 2, 3] } },
    cluster: { rps: 28_000, routes: { [QUICK]: [1, 2.4, 3.5] } },
    'worker-pool': { rps: 18_000, routes: { [QUICK]: [3, 8, 10] } },
    offload: { rps: 40_000, routes: { [QUICK]: [0.9, 2.1, 3.1] } },
    'node-http': { rps: 22_000, routes: { [QUICK]: [1, 2, 3.2] } },
  },
  'mixed@5%': {
    'single-loop': { rps: 700, routes: { [QUICK]: [1, 60, 72], [HEAVY]: [27, 90, 96] } },
    cluster: { rps: 800, routes: { [QUICK]: [1, 50, 62], [HEAVY]: [27, 82, 92] } },
    'worker-pool': { rps: 650, routes: { [QUICK]: [3, 9, 12], [HEAVY]: [30, 118, 130] } },
    offload: { rps: 680, routes: { [QUICK]: [0.8, 3, 4.2], [HEAVY]: [60, 150, 170] } },
    'node-http': { rps: 690, routes: { [QUICK]: [1, 55, 66], [HEAVY]: [27, 91, 98] } },
  },
};

/** The offered rates of a capacity run: shares of each cell's closed-loop maximum. */
export const FIXTURE_RATES = ['25%', '50%', '70%', '90%', '110%', '130%'];
export const FIXTURE_SLO_P99_MS: Record<string, number> = { plaintext: 10, json: 10, cpu: 50, io: 50, echo: 10 };

/** A point of a sweep from its offered share of the closed-loop maximum (to the percent): achieved as such a share, p99 as a multiple of the objective. */
type Shape = (share: number, repetition: number) => { achieved: number; p99: number };

/** Keeping up within the objective up to its maximum; past it, serving the maximum and queueing the rest. */
const plateau: Shape = (share) => (share <= 1 ? { achieved: share, p99: 0.2 + 0.5 * share } : { achieved: 1, p99: 40 });

/**
 * How each variant's sweep goes, the same on every workload (shares of its own maximum), so the
 * capacities compare as its maxima do (FIXTURE_RPS):
 * - single-loop, node-http: capacity at 90%, then a plateau;
 * - cluster: one repetition misses the objective at 70% and the median with it, 90% keeps up again
 *   (recovered after a miss), so its capacity is 50% and its repetitions' 50% and 90%;
 * - worker-pool: capacity at 70%, then a collapse to 40% of its maximum;
 * - blocking: over the objective from the lowest rate on (no capacity), then a plateau at 60%.
 */
export const FIXTURE_SHAPES: Record<string, Shape> = {
  'single-loop': plateau,
  'node-http': plateau,
  cluster: (share, i) => (share === 0.7 ? { achieved: share, p99: i === 0 ? 1.5 : 0.6 } : plateau(share, i)),
  'worker-pool': (share) =>
    share <= 0.7 ? { achieved: share, p99: 0.5 } : { achieved: share <= 0.9 ? 0.8 : share <= 1.1 ? 0.6 : 0.4, p99: 20 + 10 * (share - 0.9) },
  blocking: (share) => (share < 0.7 ? { achieved: share, p99: 2 + 2 * share } : { achieved: 0.6, p99: 30 }),
};

/** The servers of a target run: one whose process is known (its CPU and memory read), one not; each swept like the variant named. */
export const FIXTURE_TARGETS = [
  { name: 'before', url: 'http://127.0.0.1:8081/', pid: 4242, like: 'single-loop' },
  { name: 'after', url: 'http://127.0.0.1:8082/', pid: null, like: 'cluster' },
] as const;

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
    loadgenThreads: 1,
    loadgenHosts: null,
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
    routes: null,
    canary: null,
  };
}

/** A route's latency from its p50, p99 and p99.9, scaled. */
function routeLatency([p50, p99, p99_9]: [number, number, number], scale: number): Repetition['latencyMs'] {
  return {
    mean: p50 * scale,
    p50: p50 * scale,
    p90: ((p50 + p99) / 2) * scale,
    p99: p99 * scale,
    p99_9: p99_9 * scale,
    p99_99: p99_9 * 1.2 * scale,
    max: p99_9 * 1.5 * scale,
  };
}

/**
 * A repetition of a mix: each request its share of the answers, with its own latency; the whole
 * cell's median the quick request's (most of the answers), its tail from p99 on the slowest
 * request's (5% heavy answers are more than the 1% a p99 leaves).
 */
function mixRepetition(figures: MixFigures, shares: ReadonlyMap<string, number>, scale: number): Repetition {
  const base = repetition(figures.rps, scale);
  const routes = Object.entries(figures.routes).map(([label, latency]) => ({
    label,
    requests: Math.round(base.requests * (shares.get(label) ?? 0)),
    non2xx: 0,
    latencyMs: routeLatency(latency, scale),
  }));
  const [quick] = routes;
  const slowest = (f: (l: Repetition['latencyMs']) => number) => Math.max(...routes.map((r) => f(r.latencyMs)));
  const tail = { p99: slowest((l) => l.p99), p99_9: slowest((l) => l.p99_9), p99_99: slowest((l) => l.p99_99), max: slowest((l) => l.max) };
  return quick === undefined ? base : { ...base, latencyMs: { ...quick.latencyMs, ...tail }, routes };
}

/** Which side ran out where a sweep missed, when not the server's CPU. */
interface Limits {
  connectionsBound: boolean;
  generatorSaturated: boolean;
  generatorDelayed: boolean;
}

/** One open-loop repetition at `offered` req/s along a shape; behind, the generator sent requests late as every connection was busy. */
function openRepetition(maxRps: number, offered: number, slo: number, shape: Shape, i: number, limits: Limits): Repetition {
  const shaped = shape(Math.round((offered / maxRps) * 100) / 100, i);
  const shapedMiss = shaped.achieved * maxRps < offered * 0.99 || shaped.p99 > 1;
  // A generator whose own delays made the tail: the server served every request, late.
  const delayed = limits.generatorDelayed && !limits.generatorSaturated && shapedMiss;
  const achieved = delayed ? offered / maxRps : shaped.achieved;
  // Apart by ±0.2% between repetitions, so the median is the shape's figure and each keeps up where it does.
  const rps = achieved * maxRps * (i === 0 ? 0.998 : 1.002);
  const behind = achieved * maxRps < offered * 0.99;
  const p99 = (delayed ? Math.max(shaped.p99, 2) : shaped.p99) * slo;
  const base = repetition(rps, 1);
  const due = Math.round(offered * base.durationSec);
  const missed = behind || p99 > slo;
  const saturated = limits.generatorSaturated && missed;
  return {
    ...base,
    latencyMs: { mean: p99 / 3, p50: p99 / 4, p90: p99 * 0.7, p99, p99_9: p99 * 1.5, p99_99: p99 * 2, max: p99 * 3 },
    serverCpuShare: behind ? (limits.connectionsBound || delayed ? 0.5 : 0.97) : Math.min(0.95, achieved),
    bottleneck: behind && !limits.connectionsBound && !delayed ? 'server' : 'neither',
    ...(saturated ? { loadgenCpuShare: 0.95, bottleneck: 'loadgen' } : {}),
    fairness: null,
    firstResponseMs: null,
    openLoop: {
      offeredRps: offered,
      arrivals: 'poisson',
      due,
      late: behind ? Math.round(due * 0.3) : 0,
      unsent: 0,
      sendLagP99Ms: behind ? p99 * 0.8 : 0.5,
      scheduleLagP99Ms: delayed ? p99 * 0.5 : 0.9,
      loopDelayP99Ms: delayed ? p99 * 0.4 : 0.6,
      loopDelayMaxMs: delayed ? p99 * 0.6 : 2,
      heldUpShare: delayed ? 0.05 : 0.001,
      notHeldP99Ms: delayed ? slo / 3 : p99,
      generatorBound: saturated ? 'saturated' : delayed ? 'delayed' : null,
    },
  };
}

/** A measured cell given the sweep its shape makes, analysed as the runner analyses one (capacity.ts). */
function swept(cell: OkCell, shape: Shape, limits: Limits, observe: (r: Repetition) => Repetition): OkCell {
  const slo = FIXTURE_SLO_P99_MS[cell.workload] ?? 50;
  const maxRps = cell.summary.requestsPerSec.median;
  const points = FIXTURE_RATES.map((rate): RatePoint => {
    const offered = offeredRps(parseRate(rate), maxRps);
    const repetitions = [0, 1].map((i) => observe(openRepetition(maxRps, offered, slo, shape, i, limits)));
    return { rate, offeredRps: offered, refined: false, repetitions, summary: summaryOf(repetitions) };
  });
  const { capacityRps, ...analysis } = analyseSweep(points, slo);
  return { ...cell, sweep: { sloP99Ms: slo, arrivals: 'poisson', maxRps, points, ...analysis }, capacityRps };
}

/**
 * A repetition as the runner records a target's: its CPU share is never known (how many CPUs it
 * may use is its own business), and without its pid neither are its CPU time and memory.
 */
function asTarget(r: Repetition, pid: number | null): Repetition {
  const unknown = { serverCpuShare: null, bottleneck: null };
  return pid === null
    ? { ...r, ...unknown, serverCpuUserSec: null, serverCpuSystemSec: null, serverCpuUsPerRequest: null, serverPeakRssBytes: null }
    : { ...r, ...unknown };
}

/** The variants of a run: offload beside worker-pool, as the registry has it, in a run of the mixes. */
function variantsOf(opts: FixtureOptions): Array<{ name: string; like: string; pid: number | null }> {
  if (opts.targets) return FIXTURE_TARGETS.map((t) => ({ name: t.name, like: t.like, pid: t.pid }));
  const names = Object.keys(FIXTURE_RPS).flatMap((name) => (opts.mixes && name === 'worker-pool' ? [name, 'offload'] : [name]));
  return names.map((name) => ({ name, like: name === 'offload' ? 'single-loop' : name, pid: 1 }));
}

/** A variant's cells of the mixes (none where FIXTURE_MIXES has no figures for it). */
function mixCells(variant: string, mixes: Results['settings']['mixes']): CellResult[] {
  return Object.entries(FIXTURE_MIXES).flatMap(([workload, byVariant]) => {
    const figures = byVariant[variant];
    if (figures === undefined) return [];
    const shares = new Map((mixes[workload]?.requests ?? []).map((r) => [r.label, r.share]));
    return [
      cellFromRepetitions(
        { workload, connections: 64, pipelining: 1 },
        [0.98, 1.02].map((scale) => mixRepetition(figures, shares, scale)),
      ),
    ];
  });
}

/** A repetition of a workload of one request, with the per-route figure the builtin generator gives it. */
function oneRoute(r: Repetition, label: string | undefined): Repetition {
  return label === undefined ? r : { ...r, routes: [{ label, requests: r.requests, non2xx: r.non2xx, latencyMs: r.latencyMs }] };
}

export function fixtureResults(opts: FixtureOptions = {}): Results {
  const servers = variantsOf(opts);
  const variants = servers.map((s) => s.name);
  const workloads = ['plaintext', 'json', 'cpu', 'io', 'echo', ...(opts.mixes ? Object.keys(FIXTURE_MIXES) : [])];
  const mixes = opts.mixes ? describeMixes(workloads) : {};
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
      // Nothing pins a server the suite did not start.
      pinning: opts.targets ? { server: null, loadgen: null } : { server: '1-3', loadgen: '0' },
      cpuPlan: null,
    },
    settings: {
      profile: 'quick',
      variants,
      workloads,
      connections: [64],
      pipelining: [1],
      durationSec: 3,
      warmupSec: 1,
      repetitions: 2,
      capacity: opts.capacity ? { rates: FIXTURE_RATES, refine: 0, sloP99Ms: { ...FIXTURE_SLO_P99_MS }, arrivals: 'poisson' } : null,
      targets: opts.targets ? FIXTURE_TARGETS.map(({ name, url, pid }) => ({ name, url, pid })) : null,
      mixes,
      workers: null,
      scaling: false,
      loadgenHosts: null,
      serverHost: null,
      app: null,
    },
    objectives: null,
    variants: servers.map(
      ({ name, like, pid }): VariantResult => ({
        name,
        model: opts.targets ? null : (SHIPPED_MODELS[name] ?? null),
        status: 'ok',
        verification: { ok: true, failures: [] },
        pids: pid === null ? [] : [pid],
        info: opts.targets ? { url: FIXTURE_TARGETS.find((t) => t.name === name)?.url ?? '' } : { ...FIXTURE_INFO[name] },
        cells: Object.entries(FIXTURE_RPS[like] ?? {})
          .map(([workload, rps]): CellResult => {
            const has = (list?: string[]) => list?.includes(`${name}/${workload}`) ?? false;
            const label = mixes[workload]?.requests[0]?.label;
            const observe = (r: Repetition) => {
              const counted = opts.mixes ? oneRoute(r, label) : r;
              return opts.targets ? asTarget(counted, pid) : counted;
            };
            const reps = [0.98, 1.02].map((scale) => observe(repetition(rps, scale, has(opts.unfair), has(opts.slowFirstResponse), has(opts.starved))));
            let cell = cellFromRepetitions({ workload, connections: 64, pipelining: 1 }, reps);
            if (has(opts.clientBound)) cell = { ...cell, clientBound: true, bottleneck: 'loadgen' };
            return opts.capacity
              ? swept(
                  cell,
                  FIXTURE_SHAPES[like] ?? plateau,
                  {
                    connectionsBound: has(opts.connectionsBound),
                    generatorSaturated: has(opts.generatorSaturated),
                    generatorDelayed: has(opts.generatorDelayed),
                  },
                  observe,
                )
              : cell;
          })
          .concat(opts.mixes ? mixCells(name, mixes) : []),
      }),
    ),
  };
}
