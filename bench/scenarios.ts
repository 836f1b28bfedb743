// What a benchmark run measures, as data (the Node core benchmark/ style): workloads, and per
// profile the lists of variants, workloads, connections and pipelining depths. One function
// builds the matrix; one loop (runner.ts) runs it.

import { randomBytes } from 'node:crypto';

/** A request shape driven at a server. */
export interface Workload {
  readonly path: string;
  readonly method: 'GET' | 'POST';
  /** Request body, for POST. */
  readonly body?: Buffer;
  readonly description: string;
}

export const workloads = {
  plaintext: { path: '/plaintext', method: 'GET', description: 'fixed 13-byte text: per-request overhead' },
  json: { path: '/json', method: 'GET', description: 'a small object serialized per request' },
  cpu: { path: '/cpu', method: 'GET', description: 'about 1 ms of pure JavaScript per request' },
  io: { path: '/io?ms=10', method: 'GET', description: '10 ms of simulated I/O wait per request' },
  echo: { path: '/echo', method: 'POST', body: randomBytes(4096), description: 'a 4 KiB body read and sent back' },
} as const satisfies Record<string, Workload>;

export type WorkloadName = keyof typeof workloads;
export const workloadNames = Object.keys(workloads) as WorkloadName[];

/** The knobs of a run; a profile gives every one of them. */
export interface RunSettings {
  variants: string[];
  workloads: WorkloadName[];
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
}

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
export const PIPELINED_WORKLOADS: ReadonlySet<WorkloadName> = new Set(['plaintext']);

/** A profile: every setting but the variant list (every registered variant unless --variants says otherwise) and the targets. */
export type Profile = Omit<RunSettings, 'variants' | 'targets'>;

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

export const profiles = {
  // Every variant × every workload at one concurrency; within 4 minutes on a 2-core machine.
  quick: { workloads: workloadNames, connections: [64], pipelining: [1], durationSec: 2.5, warmupSec: 1, repetitions: 2, capacity: null },
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
} satisfies Record<string, Profile>;

export type ProfileName = keyof typeof profiles;
export const profileNames = Object.keys(profiles) as ProfileName[];

/** One cell of the matrix. */
export interface Cell {
  variant: string;
  workload: WorkloadName;
  connections: number;
  pipelining: number;
}

/** Every cell, grouped by variant (each variant's server is started once for all its cells). */
export function buildMatrix(s: RunSettings): Cell[] {
  const cells: Cell[] = [];
  for (const variant of s.variants) {
    for (const workload of s.workloads) {
      const depths = PIPELINED_WORKLOADS.has(workload) ? s.pipelining : [1];
      for (const connections of s.connections) {
        for (const pipelining of depths) cells.push({ variant, workload, connections, pipelining });
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
  return cells * stepsPerCell(s) * (s.warmupSec + s.durationSec * s.repetitions);
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
  const perStep = (s.warmupSec > 0 ? 1 : 0) + s.repetitions;
  const open = cells * (stepsPerCell(s) - 1) * perStep;
  return loadSeconds(s, cells) + cells * perStep * RUN_OVERHEAD_SEC.closed + open * RUN_OVERHEAD_SEC.open + s.variants.length * START_SEC;
}
