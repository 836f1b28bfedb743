// Load generators are interchangeable objects of one small shape (as in Node core's
// benchmark/_http-benchmarkers.js): a name, whether it is present, and a run. What a run measured
// is declared once, as the results' schema (results/sample.ts); these are its types.

import type { z } from 'zod';
import type { LoadHosts } from '../lib/ssh.js';
import type { Workload } from '../plan/scenarios.js';
import type {
  arrivalsSchema,
  fairnessSchema,
  firstResponseMsSchema,
  hostShareSchema,
  latencyMsSchema,
  loadSampleSchema,
  openLoopStatsSchema,
  routeSampleSchema,
  rttSchema,
} from '../results/sample.js';

/** What to drive, how hard and for how long. */
export interface LoadTarget {
  /** e.g. http://127.0.0.1:3000 */
  origin: string;
  workload: Workload;
  connections: number;
  pipelining: number;
  durationSec: number;
  /** `taskset -c N` or nothing. */
  pin: string[];
  /** The server's pid, for a generator that reads the server's CPU time at its window's edges. */
  serverPid?: number;
  /** The CPUs the server is pinned to, for a generator that reads how busy they were in its window. */
  serverCpuList?: number[];
  /** The CPUs the generator is pinned to, for one that reads how busy they were in its window. */
  loadgenCpuList?: number[];
  /** Open loop: requests due per second over all connections, latency counted from when each was due. Only a generator with `openLoop` drives it. */
  rate?: number;
  /** Open loop: evenly spaced, or a Poisson process. */
  arrivals?: Arrivals;
  /** Seed of Poisson arrivals. */
  seed?: number;
  /** Seconds of load before the window inside the generator's own run, recorded nowhere (the open loop's schedule runs on into the window). Only a generator with `openLoop` takes it. */
  warmupSec?: number;
  /** Threads of the generator, each with its own event loop (default 1): builtin's segments in worker threads, wrk's -t. */
  threads?: number;
  /** Load hosts to run it from, one segment each (builtin only; hosts.ts); this machine when absent. */
  hosts?: LoadHosts;
}

/** How an open loop's requests arrive. */
export type Arrivals = z.infer<typeof arrivalsSchema>;
/** How an open-loop run kept to its schedule. */
export type OpenLoopStats = z.infer<typeof openLoopStatsSchema>;
/** Milliseconds: the mean, some percentiles and the max. */
export type LatencyMs = z.infer<typeof latencyMsSchema>;
/** How evenly the connections were served: Jain's index and the spread of completed requests per connection. */
export type Fairness = z.infer<typeof fairnessSchema>;
/** Milliseconds from connect to the first response, over the fresh connections of a run. */
export type FirstResponseMs = z.infer<typeof firstResponseMsSchema>;
/** One request of a workload's mix: answered, not 2xx, and their latency. */
export type RouteSample = z.infer<typeof routeSampleSchema>;
/** A load host's round trip to the server. */
export type Rtt = z.infer<typeof rttSchema>;
/** One load host's part of a run from several. */
export type HostShare = z.infer<typeof hostShareSchema>;
/** What one run measured, in the same units whichever generator ran. */
export type LoadSample = z.infer<typeof loadSampleSchema>;

/** One interchangeable load generator; registry.ts lists them by name. */
export interface LoadGenerator<Name extends string = string> {
  readonly name: Name;
  /** Whether it can run here. */
  available(): boolean;
  /** How to get it when it is not available, for the error message. */
  readonly install: string;
  version(): string;
  /** Whether it drives an open loop (`rate`), latency counted from each request's due time. */
  readonly openLoop: boolean;
  /** Whether it runs `threads` threads of its own (builtin, wrk); one that does not runs one whatever the plan. */
  readonly threads: boolean;
  run(target: LoadTarget): Promise<LoadSample>;
}
