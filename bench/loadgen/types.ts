// Load generators are interchangeable objects of one small shape (as in Node core's
// benchmark/_http-benchmarkers.js): a name, whether it is present, and a run.

import type { Workload } from '../scenarios.js';

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
}

/** What one run measured, in the same units whichever generator ran. */
export interface LoadSample {
  requests: number;
  durationSec: number;
  requestsPerSec: number;
  bytesPerSec: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; p99_9: number; p99_99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  /** The generator's own CPU seconds (user + system) during the run. */
  loadgenCpuSec: number;
}

/** One interchangeable load generator; registry.ts lists them by name. */
export interface LoadGenerator<Name extends string = string> {
  readonly name: Name;
  /** Whether it can run here. */
  available(): boolean;
  /** How to get it when it is not available, for the error message. */
  readonly install: string;
  version(): string;
  run(target: LoadTarget): Promise<LoadSample>;
}
