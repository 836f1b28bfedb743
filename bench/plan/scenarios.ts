// What a benchmark run measures, as data (the Node core benchmark/ style): workloads, and per
// profile the lists of variants, workloads, connections and pipelining depths. One function
// builds the matrix; one loop (run/runner.ts) runs it.

import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { AppError, type AppOutline } from '../../servers/routes/app.js';
import { isCpuHeavyRoute } from '../../servers/routes/routes.js';
import { isVariantName, variants } from '../../servers/variants/registry.js';
import type { LoadHosts, ServerHost } from '../lib/ssh.js';

/** One request of a workload, and how often it is drawn. */
export interface MixRequest {
  readonly method: string;
  /** Path and query, e.g. /json or /cpu?iterations=1000. */
  readonly path: string;
  /** Request body (sent with Content-Length and Content-Type application/octet-stream). */
  readonly body?: Buffer;
  /** Its weight in the mix: any positive number, relative to the others'. */
  readonly weight: number;
  /** CPU-heavy: what a heavy share (`mixed@20%`) sets the share of. */
  readonly heavy?: boolean;
  /** What verification expects of its answer; without it, a 2xx and sound framing (app workloads). */
  readonly expect?: { readonly status?: number; readonly body?: string };
}

/**
 * What a cell drives at a server: one request, or a weighted mix of them that each connection of
 * the load generator draws from with a seeded random sequence.
 */
export interface Workload {
  readonly description: string;
  readonly requests: readonly MixRequest[];
}

/** A workload of one request. */
function single(method: string, path: string, description: string, body?: Buffer): Workload {
  return { description, requests: [{ method, path, weight: 1, ...(body === undefined ? {} : { body }) }] };
}

/**
 * The heavy request of the built-in mixes: /cpu at 15 million iterations, about 27 ms of one core
 * on the 2-core reference machine (30× the default /cpu). Long enough that a request waiting
 * behind it on an event loop is plainly late, short enough that a run still serves hundreds.
 */
export const HEAVY_CPU_PATH = '/cpu?iterations=15000000';

export const workloads = {
  plaintext: single('GET', '/plaintext', 'fixed 13-byte text: per-request overhead'),
  json: single('GET', '/json', 'a small object serialized per request'),
  cpu: single('GET', '/cpu', 'about 1 ms of pure JavaScript per request'),
  io: single('GET', '/io?ms=10', '10 ms of simulated I/O wait per request'),
  echo: single('POST', '/echo', 'a 4 KiB body read and sent back', randomBytes(4096)),
  mixed: {
    description: '95% GET /json, 5% heavy GET /cpu (about 27 ms each): does a quick request wait behind a slow one?',
    requests: [
      { method: 'GET', path: '/json', weight: 95 },
      { method: 'GET', path: HEAVY_CPU_PATH, weight: 5, heavy: true },
    ],
  },
  'mixed-io': {
    description: '90% GET /io?ms=10, 10% heavy GET /cpu: I/O-bound requests sharing a server with CPU-heavy ones',
    requests: [
      { method: 'GET', path: '/io?ms=10', weight: 90 },
      { method: 'GET', path: HEAVY_CPU_PATH, weight: 10, heavy: true },
    ],
  },
} as const satisfies Record<string, Workload>;

/** A built-in workload's name. */
export type WorkloadName = keyof typeof workloads;
export const workloadNames = Object.keys(workloads) as WorkloadName[];

/** The workloads a run can name: the built-in ones, and those of an app (--app) beside them. */
export type Catalog = Readonly<Record<string, Workload>>;

/** The heavy shares a `--heavy-share` sweep measures when it is given no list. */
export const HEAVY_SHARES = [0, 1, 5, 20] as const;

/** `mixed@5%`: a mix with its heavy requests set to a share of the draws. */
const SHARE_SUFFIX = /^(.+)@(\d+(?:\.\d+)?)%$/;

/** A workload name, split into the mix it names and the heavy share it sets (null when it sets none). */
export function heavyShareOf(name: string): { base: string; share: number | null } {
  const m = SHARE_SUFFIX.exec(name);
  return m === null ? { base: name, share: null } : { base: m[1] as string, share: Number(m[2]) / 100 };
}

/** The name of `base` with its heavy requests at `percent`% of the draws. */
export function withHeavyShareName(base: string, percent: number): string {
  return `${base}@${percent}%`;
}

/** Whether a workload mixes heavy requests with others, so a heavy share means something for it. */
export function hasHeavyShare(w: Workload): boolean {
  return w.requests.some((r) => r.heavy === true) && w.requests.some((r) => r.heavy !== true);
}

/**
 * The workload a name stands for in `catalog`, a `@N%` suffix applied: the heavy requests get N%
 * of the draws and the others the rest, each group in its own proportions; a request left with
 * no share is dropped. Throws with the reason for a name that stands for nothing.
 */
export function resolveWorkload(name: string, catalog: Catalog = workloads): Workload {
  const direct = Object.hasOwn(catalog, name) ? catalog[name] : undefined;
  if (direct !== undefined) return direct;
  const { base, share } = heavyShareOf(name);
  const w = Object.hasOwn(catalog, base) ? catalog[base] : undefined;
  if (w === undefined || share === null)
    throw new Error(`unknown workload '${name}' (known: ${Object.keys(catalog).join(', ')}; a mix may take a heavy share, like mixed@20%)`);
  if (!hasHeavyShare(w)) throw new Error(`${base} does not mix heavy requests with others, so ${name} means nothing`);
  if (share > 1) throw new Error(`${name}: a heavy share is at most 100%`);
  const total = (heavy: boolean) => w.requests.reduce((n, r) => n + ((r.heavy === true) === heavy ? r.weight : 0), 0);
  const heavyTotal = total(true);
  const lightTotal = total(false);
  const requests = w.requests
    .map((r) => ({ ...r, weight: r.heavy === true ? (share * r.weight) / heavyTotal : ((1 - share) * r.weight) / lightTotal }))
    .filter((r) => r.weight > 0);
  return { description: `${w.description} (heavy requests at ${Math.round(share * 1000) / 10}%)`, requests };
}

/**
 * The workloads an app adds to the built-in ones: its own, or, when it names none, one per GET
 * route, named by its path (`/hello`). A request is heavy when its route is marked `cpu: true` (or
 * it goes to a built-in CPU-heavy route the app does not claim).
 */
export function appCatalog(app: AppOutline): Record<string, Workload> {
  const heavy = (method: string, path: string): boolean => isCpuHeavyRoute(app, method, path);
  const out: Record<string, Workload> = {};
  for (const [name, list] of Object.entries(app.workloads)) {
    if (Object.hasOwn(workloads, name)) throw new AppError(`app ${app.file}: workload '${name}' has the name of a built-in workload; call it something else`);
    out[name] = {
      description: `${name}, from ${basename(app.file)}`,
      requests: list.map((r) => ({
        method: r.method,
        path: r.path,
        weight: r.weight,
        ...(r.body === undefined ? {} : { body: typeof r.body === 'string' ? Buffer.from(r.body) : Buffer.from(r.body) }),
        ...(heavy(r.method, r.path) ? { heavy: true } : {}),
        ...(r.expect === undefined ? {} : { expect: r.expect }),
      })),
    };
  }
  if (Object.keys(out).length > 0) return out;
  for (const route of app.routes.values()) {
    if (route.method !== 'GET') continue;
    out[route.path] = {
      description: `${route.key} alone, from ${basename(app.file)}`,
      requests: [{ method: 'GET', path: route.path, weight: 1, ...(route.cpu ? { heavy: true } : {}) }],
    };
  }
  if (Object.keys(out).length === 0)
    throw new AppError(`app ${app.file}: it names no workloads and has no GET route to make one of; add workloads: { name: [{ method, path, weight }] }`);
  return out;
}

/**
 * Every mix among `names` (those with heavy and other requests; `mixed@5%` counts as `mixed`) once
 * per share in `percents`; other workloads as they are; each name once.
 */
export function expandHeavyShares(names: readonly string[], percents: readonly number[], catalog: Catalog = workloads): string[] {
  const out = names.flatMap((name) => {
    const { base } = heavyShareOf(name);
    const w = Object.hasOwn(catalog, name) ? catalog[name] : Object.hasOwn(catalog, base) ? catalog[base] : undefined;
    const mix = Object.hasOwn(catalog, name) ? name : base;
    return w !== undefined && hasHeavyShare(w) ? percents.map((p) => withHeavyShareName(mix, p)) : [name];
  });
  return [...new Set(out)];
}

/** A request's name in per-route figures: its method and target, numbered when the same one is in a mix twice. */
export function requestLabels(w: Workload): string[] {
  const seen = new Map<string, number>();
  return w.requests.map((r) => {
    const label = `${r.method} ${r.path}`;
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return n === 1 ? label : `${label} #${n}`;
  });
}

/** What a workload sends, as results.json records it: each request with its share of the draws. */
export interface MixDescription {
  description: string;
  requests: Array<{ label: string; method: string; path: string; share: number; heavy: boolean; bodyBytes: number }>;
}

/** What every workload of a run sends, for results.json (which must say so without the code, or the app, at hand). */
export function describeMixes(names: readonly string[], catalog: Catalog = workloads): Record<string, MixDescription> {
  const out: Record<string, MixDescription> = {};
  for (const name of names) {
    const w = resolveWorkload(name, catalog);
    const total = w.requests.reduce((n, r) => n + r.weight, 0);
    const labels = requestLabels(w);
    out[name] = {
      description: w.description,
      requests: w.requests.map((r, i) => ({
        label: labels[i] as string,
        method: r.method,
        path: r.path,
        share: r.weight / total,
        heavy: r.heavy === true,
        bodyBytes: r.body?.length ?? 0,
      })),
    };
  }
  return out;
}

/** The knobs of a run; a profile gives every one of them. */
export interface RunSettings {
  variants: string[];
  /** Workload names: built-in, an app's (`catalog`), or a mix at a heavy share (`mixed@5%`). */
  workloads: string[];
  connections: number[];
  /** Pipelining depths for workloads that allow more than 1 (plaintext); others always use 1. */
  pipelining: number[];
  /** Seconds per measured repetition. */
  durationSec: number;
  /** Seconds of discarded warm-up before a cell's repetitions. */
  warmupSec: number;
  repetitions: number;
  /** A capacity run: after each cell's closed-loop repetitions, an open-loop sweep of offered rates; null otherwise. */
  capacity: CapacitySettings | null;
  /** Servers the suite did not start, measured in place of variants (`--target`); null otherwise. */
  targets: TargetSpec[] | null;
  /** The workloads the names stand for: the built-in ones unless an app adds its own (default `workloads`). */
  catalog?: Catalog;
  /** The app module every variant serves (`--app`, an absolute path); null or absent for the built-in routes alone. */
  app?: string | null;
  /**
   * Processes or threads of the variants that have them (`--workers`), each count a server of its
   * own, as a matrix dimension; null or absent for their default (one per CPU they may use).
   */
  workers?: number[] | null;
  /** A resilience run: each variant through the hostile scenarios instead of the matrix's cells; null or absent otherwise. */
  resilience?: ResilienceSettings | null;
  /** A scaling run: without `workers`, the counts are scalingCounts of the server's CPUs in the run's plan. */
  scaling?: boolean;
  /** Load hosts to drive the load from, one segment each, and the checkout on them; null or absent for this machine. */
  loadgenHosts?: LoadHosts | null;
  /** The host to serve the variants on, and the checkout there; null or absent for this machine. */
  serverHost?: ServerHost | null;
}

/**
 * The resilience profile's scenarios (bench/resilience/): an idle flood with slowloris while
 * ordinary requests arrive, a pipelining flood from one client that reads nothing, and a worker
 * killed under load.
 */
export interface ResilienceSettings {
  /** Connections opened and held without a byte sent. */
  idleConnections: number;
  /** Connections that send a request head one byte every slowlorisIntervalMs, never finished. */
  slowlorisConnections: number;
  slowlorisIntervalMs: number;
  /** Ordinary requests meanwhile: GET /plaintext, open loop at this rate, each on a fresh connection, for windowSec. */
  ordinaryRps: number;
  windowSec: number;
  /** An ordinary request answered 2xx within this counts as served. */
  requestTimeoutMs: number;
  /** Pipelined requests one client writes without reading the answers. */
  pipelinedRequests: number;
  /** The killed worker: worker processes, seconds of steady load, the kill this far into them, and the load's connections. */
  killWorkers: number;
  killLoadSec: number;
  killAtSec: number;
  killConnections: number;
  /** The servers' headers and idle keep-alive timeouts (ms), when not their defaults (for tests: `cbench serve --headers-timeout`). */
  headersTimeoutMs: number | null;
  keepAliveTimeoutMs: number | null;
}

/**
 * 5,000 idle and 200 slowloris connections: enough to fill a server's accept queue many times
 * over and hold as many descriptors as a small production server has connections, within the
 * 20,000 descriptors each end may open here. Ordinary requests at 50/s for 15 s, past the core's
 * 10 s headers timeout, so the slowloris connections' fate is inside the window; each has 2 s to
 * be answered: /plaintext takes well under a millisecond, so 2 s is a client's patience, not the
 * server's work, and shorter than one headers timeout, so a request stuck behind a held connection
 * fails. The killed worker runs on 2 workers, so that one is left serving while the other is
 * replaced (with one, the kill is an outage of the whole server by definition).
 */
export const DEFAULT_RESILIENCE: ResilienceSettings = {
  idleConnections: 5_000,
  slowlorisConnections: 200,
  slowlorisIntervalMs: 1_000,
  ordinaryRps: 50,
  windowSec: 15,
  requestTimeoutMs: 2_000,
  pipelinedRequests: 100_000,
  killWorkers: 2,
  killLoadSec: 6,
  killAtSec: 2,
  killConnections: 16,
  headersTimeoutMs: null,
  keepAliveTimeoutMs: null,
};

/** How a capacity sweep is driven and judged. */
export interface CapacitySettings {
  /** Offered rates, lowest first: `N%` of the cell's measured maximum, or `N` req/s. */
  rates: string[];
  /** Rates to add, at most, by halving the gap between the capacity and the first miss. */
  refine: number;
  /** The latency objective (p99 at most, ms) per workload. */
  sloP99Ms: Record<string, number>;
  /** Evenly spaced requests, or a Poisson process (exponential gaps, seeded). */
  arrivals: 'constant' | 'poisson';
}

/** A server the suite did not start: a label, its origin, and its process when it is local and known. */
export interface TargetSpec {
  name: string;
  url: string;
  pid: number | null;
}

/** Rates added by bisection when neither the profile nor --refine says. */
export const DEFAULT_REFINE = 2;

/** The objective when neither the profile nor --slo-p99 gives one. */
export const DEFAULT_SLO_P99_MS = 50;

/** A rate as asked: a share of the measured maximum, or requests per second. */
export type RateSpec = { share: number } | { rps: number };

/** Parses `50%` or `2000` (req/s); throws with the reason on anything else. */
export function parseRate(text: string): RateSpec {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const n = m === null ? Number.NaN : Number(m[1]);
  if (m === null || !(n > 0))
    throw new Error(`a rate is a number of req/s above 0 or a percentage of the measured maximum, like 2000 or 50%; got ${JSON.stringify(text)}`);
  return m[2] === '%' ? { share: n / 100 } : { rps: n };
}

/** The offered rate of a spec, given the cell's measured maximum. */
export function offeredRps(spec: RateSpec, maxRps: number): number {
  return 'share' in spec ? spec.share * maxRps : spec.rps;
}

/** Workloads on which pipelining deeper than 1 is measured (as TechEmpower does for plaintext). */
export const PIPELINED_WORKLOADS: ReadonlySet<string> = new Set(['plaintext']);

/** A profile: every setting but the variant list (every registered variant unless --variants says otherwise) and the targets. */
export type Profile = Omit<RunSettings, 'variants' | 'targets' | 'catalog' | 'app' | 'workers'> & {
  /** The variants it runs unless --variants says otherwise (default: every registered one). */
  variants?: readonly string[];
};

/** The whole sweep. */
const full: Profile = {
  workloads: workloadNames,
  connections: [1, 16, 64, 256, 1024],
  pipelining: [1, 16],
  durationSec: 10,
  warmupSec: 2,
  repetitions: 5,
  capacity: null,
};

/**
 * A blink of a matrix, for tests and CI, derived as Node's benchmark/common.js derives its test
 * mode: every workload (as Node still runs every benchmark file), the first value of every other
 * list, one short repetition and no warm-up. Derived, so there is no second list to keep in step.
 */
function smokeOf(p: Profile): Profile {
  return {
    workloads: p.workloads,
    connections: p.connections.slice(0, 1),
    pipelining: p.pipelining.slice(0, 1),
    durationSec: 0.3,
    warmupSec: 0,
    repetitions: 1,
    capacity: null,
  };
}

// Every variant × every workload at one concurrency; within 4 minutes on a 2-core machine.
const quick: Profile = {
  workloads: ['plaintext', 'json', 'cpu', 'io', 'echo', 'mixed'],
  connections: [64],
  pipelining: [1],
  durationSec: 2,
  warmupSec: 1,
  repetitions: 2,
  capacity: null,
};

export const profiles = {
  quick,
  // Head-of-line blocking: how the quick requests' tail grows with the share of heavy ones, on
  // every model; each mix at 0% (the quick requests alone), 1%, 5% and 20% heavy.
  mixes: {
    workloads: expandHeavyShares(['mixed', 'mixed-io'], HEAVY_SHARES),
    connections: [64],
    pipelining: [1],
    durationSec: 2.5,
    warmupSec: 1,
    repetitions: 2,
    capacity: null,
  },
  full,
  // Latency against offered load. 256 connections, so that the generator can keep rate × latency
  // requests in flight (Little's law) well past what the fast routes need. The objective is
  // tighter for the routes whose own work is microseconds than for those that take milliseconds,
  // but not under 20 ms: on the 2-core reference VM an idle Node process's timers fire up to
  // 8-9 ms late a few times every 5 s, so a tighter p99 would measure the machine.
  capacity: {
    workloads: ['plaintext', 'json', 'cpu', 'io'],
    connections: [256],
    pipelining: [1],
    durationSec: 2,
    warmupSec: 1,
    repetitions: 3,
    capacity: {
      rates: ['10%', '25%', '50%', '70%', '80%', '90%', '100%', '110%', '130%'],
      refine: DEFAULT_REFINE,
      sloP99Ms: { plaintext: 20, json: 20, cpu: DEFAULT_SLO_P99_MS, io: DEFAULT_SLO_P99_MS, echo: 20 },
      arrivals: 'poisson',
    },
  },
  smoke: smokeOf(full),
  // How throughput grows with workers: the models that have them, at 1, 2, 4, ... up to the
  // server's CPUs, with single-loop as the one-core reference; routes whose work is per-request
  // overhead (plaintext, json) and pure JavaScript (cpu).
  // The quick profile's concurrency and timing, so its points compare with the quick cells.
  scaling: { ...quick, variants: ['single-loop', 'cluster', 'worker-pool', 'offload'], workloads: ['plaintext', 'json', 'cpu'], scaling: true },
  // How each model copes with hostile clients, instead of the matrix's cells (bench/resilience/).
  resilience: {
    workloads: [],
    connections: [],
    pipelining: [],
    durationSec: DEFAULT_RESILIENCE.windowSec,
    warmupSec: 0,
    repetitions: 1,
    capacity: null,
    resilience: DEFAULT_RESILIENCE,
  },
} satisfies Record<string, Profile>;

export type ProfileName = keyof typeof profiles;
export const profileNames = Object.keys(profiles) as ProfileName[];

/** One cell of the matrix. */
export interface Cell {
  variant: string;
  workload: string;
  connections: number;
  pipelining: number;
  /** The workers its server is started with; null or absent for the variant's default. */
  workers?: number | null;
}

/** Whether a variant has workers that --workers sets (cluster, worker-pool, offload); a name not registered has none. */
export function usesWorkers(variant: string): boolean {
  return isVariantName(variant) && variants[variant].usesWorkers;
}

/** A scaling run's worker counts: powers of two up to the server's CPUs and that maximum, and at least 1 and 2 (a curve needs two points). */
export function scalingCounts(serverCpus: number): number[] {
  const out = new Set([1, 2]);
  for (let k = 4; k < serverCpus; k *= 2) out.add(k);
  out.add(Math.max(1, serverCpus));
  return [...out].sort((a, b) => a - b);
}

/**
 * Which of the worker counts asked for are measured on a server with `serverCpus` CPUs. A list of
 * counts is a scaling curve: a count above the server's CPUs would measure its workers sharing
 * CPUs (and, unpinned, the generator's), not how the model scales, so it is left out and said so.
 * One count alone is taken as asked (oversubscribing is then the point).
 */
export function measurableWorkers(asked: readonly number[] | null | undefined, serverCpus: number): { measured: number[] | null; notMeasurable: number[] } {
  if (asked === null || asked === undefined || asked.length < 2)
    return { measured: asked === null || asked === undefined ? null : [...asked], notMeasurable: [] };
  return { measured: asked.filter((k) => k <= serverCpus), notMeasurable: asked.filter((k) => k > serverCpus) };
}

/**
 * Every cell, grouped by variant and, within it, by worker count (each variant's server is
 * started once per count for all its cells). `workers` overrides the settings' list (the
 * measurable counts of it).
 */
export function buildMatrix(s: RunSettings, workers: readonly number[] | null = s.workers ?? null): Cell[] {
  const cells: Cell[] = [];
  for (const variant of s.variants) {
    const counts: Array<number | null> = workers !== null && usesWorkers(variant) ? [...workers] : [null];
    for (const count of counts) {
      for (const workload of s.workloads) {
        const depths = PIPELINED_WORKLOADS.has(workload) ? s.pipelining : [1];
        for (const connections of s.connections) {
          for (const pipelining of depths) cells.push({ variant, workload, connections, pipelining, workers: count });
        }
      }
    }
  }
  return cells;
}

/** Load runs per cell, at most: the closed-loop one, then one per offered rate of a capacity sweep and its refinements. */
export function stepsPerCell(s: Pick<RunSettings, 'capacity'>): number {
  return 1 + (s.capacity === null ? 0 : s.capacity.rates.length + s.capacity.refine);
}

/** Seconds of load the plan applies, without server start-up and verification. */
export function loadSeconds(s: RunSettings, cells: number): number {
  const closed = s.warmupSec + s.durationSec * s.repetitions;
  // Open loop, the warm-up runs inside each repetition's generator, at its rate (measure.ts).
  const open = s.repetitions * (s.warmupSec + s.durationSec);
  return cells * (closed + (stepsPerCell(s) - 1) * open);
}

/**
 * What a run of the load generator costs besides its window, on the 2-core reference machine: a
 * process and warm connections (closed loop); open loop, also the wait for the requests still in
 * flight or in the backlog at the window's end, which past saturation is most of it (measured:
 * 2 s a run on average over a 9-rate sweep to 130%).
 */
const RUN_OVERHEAD_SEC = { closed: 0.3, open: 2 };
/** Starting and verifying a server (verification waits 1.1 s to see the clock move). */
const START_SEC = 2.5;

/** The whole plan's expected duration: load, the generator's runs and the servers' starts. */
export function expectedSeconds(s: RunSettings, cells: number): number {
  const closedRuns = cells * ((s.warmupSec > 0 ? 1 : 0) + s.repetitions);
  const openRuns = cells * (stepsPerCell(s) - 1) * s.repetitions;
  return loadSeconds(s, cells) + closedRuns * RUN_OVERHEAD_SEC.closed + openRuns * RUN_OVERHEAD_SEC.open + s.variants.length * START_SEC;
}
