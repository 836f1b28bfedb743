// What a load generator measures in one run, and what results.json keeps of it as a repetition:
// each figure's shape declared once, as a zod schema. The generators' types (loadgen/types.ts)
// are inferred from these, and results.ts builds its cells from the repetition. Nothing here
// touches the file system, so a generator imports it without the store (store.ts).

import { z } from 'zod';

/** Milliseconds: the mean, some percentiles and the max. */
/**
 * A process at or above this share of the CPU it was given is saturated. A saturated load
 * generator with a server that is not makes the figures a floor (client-bound); the CPU plan
 * gives the generator enough CPUs to stay below it (plan/cpu-plan.ts).
 */
export const SATURATED_SHARE = 0.9;

export const latencyMsSchema = z.object({
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  p99_9: z.number(),
  p99_99: z.number(),
  max: z.number(),
});

/** How evenly the connections were served: Jain's index (1: evenly; 1/n: one connection got everything) and the spread of completed requests per connection. */
export const fairnessSchema = z.object({ jain: z.number(), min: z.number(), median: z.number(), max: z.number() });

/** Milliseconds from connect to the first response, over the fresh connections of a run (one per connection). */
export const firstResponseMsSchema = z.object({
  p50: z.number(),
  p99: z.number(),
  max: z.number(),
  /** Connections that never got a first response. */
  failed: z.number().int().nonnegative().default(0),
});

/** One request of a workload's mix: answers in the window, those not 2xx, and their latency (counted as the whole run's is). */
export const routeSampleSchema = z.object({
  /** Method and target, e.g. `GET /json`; numbered (`#2`) when a mix holds the same one twice. */
  label: z.string(),
  requests: z.number().int().nonnegative(),
  non2xx: z.number().int().nonnegative(),
  latencyMs: latencyMsSchema,
});

/** How an open loop's requests arrive: evenly spaced, or a Poisson process (exponential gaps, seeded). */
export const arrivalsSchema = z.enum(['constant', 'poisson']);

/** Why the load generator bound a measurement: it used up its CPU, or its own delays made the tail (saturation.ts). */
export const generatorBoundSchema = z.enum(['saturated', 'delayed']);

/** Which side used up its CPU (saturation.ts). */
export const bottleneckSchema = z.enum(['server', 'loadgen', 'both', 'neither']);

/** An open-loop repetition as results.json keeps it: what was offered, how the generator kept to it, and whether it bound the figures. */
export const openLoopSchema = z.object({
  /** Requests due per second. */
  offeredRps: z.number().positive(),
  arrivals: arrivalsSchema,
  /** Requests that came due in the window. */
  due: z.number().int().nonnegative(),
  /** Of those, sent late because every connection had a request in flight when they came due. */
  late: z.number().int().nonnegative(),
  /** Never sent: still waiting for a connection when the run ended. */
  unsent: z.number().int().nonnegative(),
  /** How long after its due time a request left, p99, in ms. */
  sendLagP99Ms: z.number().nonnegative(),
  /** How long after its due time the generator took a request off its schedule (its own delay, without waiting for a connection), p99, in ms; null before version 7. */
  scheduleLagP99Ms: z.number().nonnegative().nullable().default(null),
  /** How late the generator's scheduling timer fired (its event-loop delay), p99 and max, in ms; null before version 7. */
  loopDelayP99Ms: z.number().nonnegative().nullable().default(null),
  loopDelayMaxMs: z.number().nonnegative().nullable().default(null),
  /** Share of the requests due that the generator held up (taken off its schedule over 2 ms late, its event loop busy or stalled); null before version 7. */
  heldUpShare: z.number().min(0).max(1).nullable().default(null),
  /** p99 of the requests it did not hold up, in ms: the tail without the generator's own delays; null before version 7. */
  notHeldP99Ms: z.number().nonnegative().nullable().default(null),
  /** Why the generator, not the server, made this repetition's tail (saturation.ts), or null when it did not; null in files before version 7 too. */
  generatorBound: generatorBoundSchema.nullable().default(null),
});

/**
 * An open loop as the generator reports it: the counts a repetition keeps as they are, and the
 * whole distributions of its own delays, of which a repetition keeps the p99 (and the loop
 * delay's max), and the requests it held up, of which it keeps the share (measure.ts).
 */
export const openLoopStatsSchema = openLoopSchema.pick({ offeredRps: true, arrivals: true, due: true, late: true, unsent: true }).extend({
  /** How long after its due time each request left (timer granularity and backlog). */
  sendLagMs: latencyMsSchema,
  /** How long after its due time the generator took each request off its schedule: its own delay, without the wait for a free connection. */
  scheduleLagMs: latencyMsSchema,
  /** How late the generator's scheduling timer fired: its event-loop delay. */
  loopDelayMs: latencyMsSchema,
  /** Requests the generator held up: taken off its schedule over 2 ms late, its event loop busy or stalled when they came due. */
  heldUp: z.number().int().nonnegative(),
  /** The latency of the other requests: the tail without the generator's own delays. */
  notHeldLatencyMs: latencyMsSchema,
});

/** One measured repetition of one cell, as the load generator and /proc reported it. */
/** One load host's part of a repetition run from several (`--loadgen-hosts`; loadgen/hosts.ts). */
export const hostShareSchema = z.object({
  host: z.string(),
  /** Its segment of the run, `1/2:1/1`. */
  segment: z.string(),
  connections: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  requestsPerSec: z.number().nonnegative(),
  /** Its generator's CPU over the window, in CPUs. */
  loadgenCpus: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
});

/** A load host's round trip to the server (loadgen/hosts.ts measureRtt): sequential requests on one warm connection. */
export const rttSchema = z.object({
  host: z.string(),
  requests: z.number().int().nonnegative(),
  p50Ms: z.number().nonnegative(),
  p90Ms: z.number().nonnegative(),
  maxMs: z.number().nonnegative(),
});

export const repetitionSchema = z.object({
  requests: z.number().int().nonnegative(),
  durationSec: z.number().positive(),
  requestsPerSec: z.number().nonnegative(),
  bytesPerSec: z.number().nonnegative(),
  latencyMs: latencyMsSchema,
  errors: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  non2xx: z.number().int().nonnegative(),
  resets: z.number().int().nonnegative(),
  /** CPU seconds of the server's whole process tree during the repetition; null when its process is not known (a --target without --target-pid). */
  serverCpuUserSec: z.number().nonnegative().nullable(),
  serverCpuSystemSec: z.number().nonnegative().nullable(),
  /** (user + system) / requests, in microseconds; null when no request completed or the server's process is not known. */
  serverCpuUsPerRequest: z.number().nonnegative().nullable(),
  /** Peak of the summed RSS of the server's process tree, sampled every 100 ms; null when its process is not known. */
  serverPeakRssBytes: z.number().int().nonnegative().nullable(),
  /** The generator's own CPU seconds (user + system) during the run. */
  loadgenCpuSec: z.number().nonnegative(),
  /** Of the CPU its threads could use (loadgenCpuSec / durationSec / loadgenThreads, or its CPUs' busy time when larger): 1 is saturated. */
  loadgenCpuShare: z.number().nonnegative(),
  /** Threads the generator ran, each with an event loop of its own (version 10; 1 before). */
  loadgenThreads: z.number().int().positive().default(1),
  /** The server's CPU over what it could use (its CPUs, capped by its threads of JavaScript): 1 is saturated. Null in files before version 3. */
  serverCpuShare: z.number().nonnegative().nullable().default(null),
  /** Connections opened again in the window because the server closed or failed one (blocking closes every one). Null when the generator does not report it. */
  reconnects: z.number().int().nonnegative().nullable().default(null),
  /** Completed requests per connection: Jain's index and spread. Null when the generator does not report them (autocannon, wrk). */
  fairness: fairnessSchema.nullable().default(null),
  /** Connections are warmed before the window; this is how long their first answers took. Null when not measured apart. */
  firstResponseMs: firstResponseMsSchema.nullable().default(null),
  /** Which side used up its CPU in this repetition (see the cell's); null in files before version 3. */
  bottleneck: bottleneckSchema.nullable().default(null),
  /** An open-loop repetition (a point of a capacity sweep); null for a closed loop. */
  openLoop: openLoopSchema.nullable().default(null),
  /** Per request of the workload's mix, in its order (one entry for a workload of one request); null when the generator cannot tell them apart (autocannon, wrk) and in files before version 5. */
  routes: z.array(routeSampleSchema).nullable().default(null),
  /** Run from several load hosts (version 10): each host's part; null when one generator ran it. */
  loadgenHosts: z.array(hostShareSchema).nullable().default(null),
  /** The machine's speed around the sample: canary.ts's time before and after it, in ms. Taken where samples alternate (alternate.ts: A/B runs, calibrate, bench:cpu); null otherwise and before version 8. */
  canary: z.object({ beforeMs: z.number().positive(), afterMs: z.number().positive() }).nullable().default(null),
});

/**
 * What one run of a load generator measured, in the same units whichever generator ran: the
 * figures a repetition keeps as they are, and what the harness derives the rest from (the CPU
 * readings of the window, the open loop's distributions). Routes and the open loop may be absent.
 */
export const loadSampleSchema = repetitionSchema
  .pick({
    requests: true,
    durationSec: true,
    requestsPerSec: true,
    bytesPerSec: true,
    latencyMs: true,
    errors: true,
    timeouts: true,
    non2xx: true,
    resets: true,
    loadgenCpuSec: true,
    reconnects: true,
    fairness: true,
    firstResponseMs: true,
  })
  .extend({
    /** The server's CPU seconds in exactly the measured window, when the generator read them (else measured around the run). */
    serverCpuSec: z.number().nonnegative().nullable().optional(),
    /** Seconds the server's CPUs were busy in exactly the measured window (softirq included), when the generator read them. */
    serverCpusBusySec: z.number().nonnegative().nullable().optional(),
    /** Seconds the generator's own CPUs were busy in the window (its work and the kernel's for its sockets), when it read them. */
    loadgenCpusBusySec: z.number().nonnegative().nullable().optional(),
    /** Open-loop figures; null or absent for a closed loop. */
    openLoop: openLoopStatsSchema.nullable().optional(),
    /** Per request of the workload's mix, in its order; null or absent when the generator cannot tell them apart. */
    routes: z.array(routeSampleSchema).nullable().optional(),
    /** Each load host's part, when several ran it. */
    loadgenHosts: z.array(hostShareSchema).nullable().optional(),
  });

/**
 * The distributions behind a report's percentiles (the load generator's, not stored in
 * results.json): HdrHistograms in µs, each in HdrHistogram's compressed base64, so that reports of
 * segments run apart merge into exactly the percentiles one run would have (loadgen/merge.ts).
 */
export const reportHistogramsSchema = z.object({
  latency: z.string(),
  /** Per request of the mix, in its order; empty without a mix (the one route's is `latency`). */
  routes: z.array(z.string()),
  /** The open loop's: the latency of the requests not held up, send lag, schedule lag, loop delay; null in a closed loop. */
  openLoop: z.object({ notHeld: z.string(), sendLag: z.string(), scheduleLag: z.string(), loopDelay: z.string() }).nullable(),
});

/** A load generator's whole report: its sample, each connection's count, every route, and what merging needs. */
export const loadReportSchema = loadSampleSchema.extend({
  reconnects: z.number().int().nonnegative(),
  perConnection: z.array(z.number().int().nonnegative()),
  fairness: fairnessSchema,
  firstResponseMs: firstResponseMsSchema,
  openLoop: openLoopStatsSchema.nullable(),
  routes: z.array(routeSampleSchema),
  serverCpuSec: z.number().nonnegative().nullable(),
  serverCpusBusySec: z.number().nonnegative().nullable(),
  loadgenCpusBusySec: z.number().nonnegative().nullable(),
  histograms: reportHistogramsSchema,
  /** The first-response times themselves, in ms, ascending. */
  firstResponses: z.array(z.number().nonnegative()),
});
