// Load generators are interchangeable objects of one small shape (as in Node core's
// benchmark/_http-benchmarkers.js): a name, whether it is present, and a run.

import type { Workload } from '../plan/scenarios.js';

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
  arrivals?: 'constant' | 'poisson';
  /** Seed of Poisson arrivals. */
  seed?: number;
  /** Seconds of load before the window inside the generator's own run, recorded nowhere (the open loop's schedule runs on into the window). Only a generator with `openLoop` takes it. */
  warmupSec?: number;
}

/** How an open-loop run kept to its schedule. */
export interface OpenLoopStats {
  rate: number;
  arrivals: 'constant' | 'poisson';
  /** Requests that came due in the window. */
  due: number;
  /** Of those, sent late because every connection was full when they came due. */
  late: number;
  /** Never sent: still waiting when the run ended. */
  unsent: number;
  /** How long after its due time each request left (timer granularity and backlog), in ms. */
  sendLagMs: LatencyMs;
  /** How long after its due time the generator took each request off its schedule: its own delay, without the wait for a free connection. */
  scheduleLagMs: LatencyMs;
  /** How late the generator's scheduling timer fired: its event-loop delay. */
  loopDelayMs: LatencyMs;
  /** Requests the generator held up: taken off its schedule over 2 ms late, its event loop busy or stalled when they came due. */
  heldUp: number;
  /** The latency of the other requests: the tail without the generator's own delays. */
  notHeldLatencyMs: LatencyMs;
}

/** Milliseconds: the mean, some percentiles and the max. */
export interface LatencyMs {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  p99_99: number;
  max: number;
}

/** How evenly the connections were served: Jain's index (1: evenly; 1/n: one connection got everything) and the spread of completed requests per connection. */
export interface Fairness {
  jain: number;
  min: number;
  median: number;
  max: number;
}

/** Milliseconds from connect to the first response, over the fresh connections of a run (one per connection). */
export interface FirstResponseMs {
  p50: number;
  p99: number;
  max: number;
  /** Connections that never got a first response. */
  failed: number;
}

/** One request of a workload's mix: how many were answered in the window and how many of those not with a 2xx, and their latency (counted as the run's is). */
export interface RouteSample {
  /** Method and target, e.g. `GET /json`. */
  label: string;
  requests: number;
  non2xx: number;
  latencyMs: LatencyMs;
}

/** What one run measured, in the same units whichever generator ran. */
export interface LoadSample {
  requests: number;
  durationSec: number;
  requestsPerSec: number;
  bytesPerSec: number;
  latencyMs: LatencyMs;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  /** The generator's own CPU seconds (user + system) during the run. */
  loadgenCpuSec: number;
  /** Connections opened again in the window because the server closed or failed one; null when not reported. */
  reconnects: number | null;
  /** Per-connection service; null when the generator does not report it (autocannon, wrk). */
  fairness: Fairness | null;
  /** Connections are warmed before the window; this is how long their first answers took. Null when not measured apart. */
  firstResponseMs: FirstResponseMs | null;
  /** The server's CPU seconds in exactly the measured window, when the generator read them (else measured around the run). */
  serverCpuSec?: number | null;
  /** Seconds the server's CPUs were busy in exactly the measured window (softirq included), when the generator read them. */
  serverCpusBusySec?: number | null;
  /** Seconds the generator's own CPUs were busy in the window (its work and the kernel's for its sockets), when it read them. */
  loadgenCpusBusySec?: number | null;
  /** Open-loop figures; null or absent for a closed loop. */
  openLoop?: OpenLoopStats | null;
  /** Per request of the workload's mix, in its order; null or absent when the generator cannot tell them apart. */
  routes?: RouteSample[] | null;
}

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
  run(target: LoadTarget): Promise<LoadSample>;
}
