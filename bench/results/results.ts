// results.json: the source of truth every report is derived from. Versioned, and described by a
// schema (zod) that is checked on every read (store.ts reads and writes the file). Cells and
// variants are tagged unions on their `status`: each outcome carries only the fields valid for
// it, so no code can read the statistics of a cell that failed. A repetition's figures, which the
// load generators share, are in sample.ts.

import { z } from 'zod';
import { CONCURRENCY_MODELS, type ConcurrencyModel } from '../../servers/variants/types.js';
import { arrivalsSchema, bottleneckSchema, generatorBoundSchema, repetitionSchema, rttSchema } from './sample.js';

export const RESULTS_SCHEMA = 'concurrency-bench/results';
/**
 * 10: environment `cpuPlan`: how the CPUs were shared between the server and the generator, and
 * why (plan/cpu-plan.ts); per repetition `loadgenThreads`, and `loadgenCpuShare` over that many
 * CPUs; per cell `workers`, the processes or threads its server was started with when the run
 * asked for them (`--workers 1,2,4`, a matrix dimension now), null for the variant's default;
 * settings `workers` a list (older files: one number or null).
 * 9: per variant `model`: the concurrency model it demonstrates (servers/variants/types.ts), null
 * for a server the suite did not start; the report's findings are rules over it and the
 * variant's `info`. Older files take it from the names they carry (SHIPPED_MODELS).
 * 8: per repetition `canary`: a fixed CPU-bound piece of work timed before and after the sample
 * (canary.ts), where samples alternate, so the comparison can leave out pairs the machine's speed changed under;
 * `objectives`: the --threshold expressions and their verdicts.
 * 7: the open loop watches itself: per repetition `openLoop` gains the generator's schedule lag
 * and loop delay, the share of requests it held up, the p99 of the others, and its verdict
 * `generatorBound`; a sweep's `generatorSaturatedAtMiss` became `generatorBoundAtMiss` (why the
 * first miss was the generator's: `saturated` or `delayed`), its capacity then a floor.
 * 6: the resilience profile: per variant `resilience` (an idle flood with slowloris, a pipelining
 * flood, a killed worker; each measured, not applicable or failed) and settings `resilience`.
 * 5: workload mixes: per repetition `routes` (each request of the mix: count, non-2xx, latency),
 * per cell summary `routes`; settings `mixes` (what each workload sent) and `app`.
 * 4: capacity runs (per cell `sweep` and `capacityRps`, per repetition `openLoop`; settings
 * `capacity`) and servers the suite did not start (settings `targets`; the server's CPU and memory
 * null when its process is not known).
 * 3: per repetition `fairness`, `firstResponseMs`, `serverCpuShare` and `reconnects`; per cell `bottleneck`
 * and their summaries (null where the generator did not measure them, as in older files).
 * 2: cells and variants as tagged unions; environment.autocannonVersion dropped.
 * Versions 1 to 9 are read and upgraded.
 */
export const RESULTS_VERSION = 10;

const stats = z.object({ median: z.number(), min: z.number(), max: z.number() });
/** Median, min and max of a figure over repetitions. */
export type Stats = z.infer<typeof stats>;

/** One request of a mix over a cell's repetitions. */
export const routeSummarySchema = z.object({
  label: z.string(),
  /** Answers in the window, and those not 2xx, summed over the repetitions. */
  requests: z.number().int().nonnegative(),
  non2xx: z.number().int().nonnegative(),
  latencyP50Ms: stats,
  latencyP99Ms: stats,
  latencyP99_9Ms: stats,
});

/** Median, min and max of each figure over a cell's repetitions. */
export const summarySchema = z.object({
  requestsPerSec: stats,
  latencyP50Ms: stats,
  latencyP99Ms: stats,
  latencyP99_9Ms: stats,
  /** Null when the server's process is not known (a --target without --target-pid). */
  serverCpuUsPerRequest: stats.nullable(),
  serverPeakRssBytes: stats.nullable(),
  loadgenCpuShare: stats,
  serverCpuShare: stats.nullable().default(null),
  fairnessJain: stats.nullable().default(null),
  firstResponseP99Ms: stats.nullable().default(null),
  firstResponseMaxMs: stats.nullable().default(null),
  /** Errors, timeouts and resets, summed over the repetitions. */
  errors: z.number().int().nonnegative(),
  /** Per request of the mix; null when the repetitions lack them. */
  routes: z.array(routeSummarySchema).nullable().default(null),
});

const cellKey = {
  workload: z.string(),
  connections: z.number().int().positive(),
  pipelining: z.number().int().positive(),
  /** The workers its server was started with when the run asked for a count (`--workers`); null for the variant's default (version 10). */
  workers: z.number().int().positive().nullable().default(null),
};

/** A variant's name in a report's rows: `cluster`, or `cluster ×4` for its cells at 4 workers when the run chose them. */
export function variantLabel(name: string, workers: number | null | undefined): string {
  return workers === null || workers === undefined ? name : `${name} ×${workers}`;
}

/** The variant a row's label names (`cluster ×4` is cluster's). */
export function labelledVariant<V extends { name: string }>(variants: readonly V[], label: string): V | undefined {
  return variants.find((v) => v.name === label) ?? variants.find((v) => label.startsWith(`${v.name} ×`) && /^\d+$/.test(label.slice(v.name.length + 2)));
}

/** A cell's name in logs, tables and comparisons: `json c=64 p=1`, and ` w=4` when the run chose its workers. */
export function cellName(c: { workload: string; connections: number; pipelining: number; workers?: number | null | undefined }): string {
  return `${c.workload} c=${c.connections} p=${c.pipelining}${c.workers === null || c.workers === undefined ? '' : ` w=${c.workers}`}`;
}

/** One offered rate of a capacity sweep: its open-loop repetitions and their summary. */
export const sweepPointSchema = z.object({
  /** As asked: a share of the measured maximum (`50%`) or a rate (`2000`). */
  rate: z.string(),
  offeredRps: z.number().positive(),
  /** Added between the capacity and the first miss to narrow the capacity down (bisection), not one of the rates asked for. */
  refined: z.boolean().default(false),
  repetitions: z.array(repetitionSchema).min(1),
  summary: summarySchema,
});

/** Why a point of a sweep does not count as keeping up (capacity.ts). */
const missSchema = z.enum(['behind', 'slo', 'errors']);

/**
 * A capacity sweep: open-loop runs at rising offered rates, after the cell's closed-loop
 * repetitions found its maximum, and what they say (capacity.ts).
 */
export const sweepSchema = z.preprocess(
  upgradeSweep,
  z.object({
    /** The latency objective: p99 at most this, in ms. */
    sloP99Ms: z.number().positive(),
    arrivals: arrivalsSchema,
    /** The closed-loop maximum that rates given in percent are shares of: the cell's median req/s. */
    maxRps: z.number().nonnegative(),
    /** By offered rate, lowest first; a point that could not be measured ends the sweep (the cell's reason says why). */
    points: z.array(sweepPointSchema),
    /** The first point that missed, and why; null when none did. */
    firstMiss: z.object({ offeredRps: z.number(), why: z.array(missSchema) }).nullable(),
    /** A point above the first miss kept up again: noise, or a sweep too coarse to trust. */
    recoveredAfterMiss: z.boolean(),
    /**
     * At the first miss the load generator, not the server, explains it (saturation.ts): it used up
     * its CPU, or its own delays made the tail while the requests it did not hold up kept to the
     * objective. The capacity is then a floor ("at least"). Null when the miss was the server's or
     * there was none. Files before version 7 said only `generatorSaturatedAtMiss`.
     */
    generatorBoundAtMiss: generatorBoundSchema.nullable(),
    /** Past the knee: whether throughput held (plateau) or fell (collapse); null when the sweep never went past it. */
    pastSaturation: z.object({ shape: z.enum(['plateau', 'collapse']), peakRps: z.number(), lastRps: z.number() }).nullable(),
    /** The capacity from each repetition index alone (points' first repetitions, second, ...): the spread comparisons use. */
    capacityByRepetition: z.array(z.number().nonnegative().nullable()),
  }),
);

/** A sweep as files before version 7 wrote it: `generatorSaturatedAtMiss`, a boolean, said what `generatorBoundAtMiss` says now. */
function upgradeSweep(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || 'generatorBoundAtMiss' in raw) return raw;
  const { generatorSaturatedAtMiss, ...rest } = raw as { generatorSaturatedAtMiss?: unknown };
  return { ...rest, generatorBoundAtMiss: generatorSaturatedAtMiss === true ? 'saturated' : null };
}

/** A cell measured in full: every repetition and their summary. */
export const okCellSchema = z.object({
  ...cellKey,
  status: z.literal('ok'),
  /** In some repetition the load generator was saturated (≥ 90% of its CPU) and the server was not: the figures are a floor, not the server's limit. */
  clientBound: z.boolean(),
  /** Which side was saturated: the worst of its repetitions' (loadgen, then both, server, neither); null when the server's share is unknown (files before version 3). */
  bottleneck: bottleneckSchema.nullable().default(null),
  repetitions: z.array(repetitionSchema).min(1),
  summary: summarySchema,
  /** A capacity run's sweep; null in other runs. */
  sweep: sweepSchema.nullable().default(null),
  /** The highest offered rate kept up with at the objective (see sweep); null when none was, or not a capacity run. */
  capacityRps: z.number().nonnegative().nullable().default(null),
});

/** A cell that could not be measured in full: why, and the repetitions that finished before. */
export const failedCellSchema = z.object({
  ...cellKey,
  status: z.literal('failed'),
  reason: z.string(),
  repetitions: z.array(repetitionSchema),
  /** The sweep as far as it went, in a capacity run. */
  sweep: sweepSchema.nullable().default(null),
});

export const cellSchema = z.discriminatedUnion('status', [okCellSchema, failedCellSchema]);

/** The smallest, median and largest of some times, in ms. */
const spreadMs = z.object({ min: z.number(), p50: z.number(), max: z.number() });
/** Connects that failed, by cause (an error code, `timeout`, or `out of time` for those never begun in the opening's bound). */
const connectFailures = z.record(z.string(), z.number().int().nonnegative());

/** A scenario that does not apply to a variant (a killed worker where there are no worker processes), and why. */
const notApplicableSchema = z.object({ status: z.literal('not-applicable'), reason: z.string() });
/** A scenario that could not be measured: its server did not start, crashed, or its client failed; why. */
const failedScenarioSchema = z.object({ status: z.literal('failed'), reason: z.string() });

/** Ordinary requests while N idle and M slowloris connections are held (resilience/idle-flood.ts). */
export const idleFloodSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('measured'),
    /** How long ordinary requests were sent for, at what rate, and how long each could take to count as answered. */
    windowSec: z.number().positive(),
    rateRps: z.number().positive(),
    requestTimeoutMs: z.number().positive(),
    slowlorisIntervalMs: z.number().positive(),
    /** Connections opened and held without a byte sent. */
    idle: z.object({
      asked: z.number().int().nonnegative(),
      opened: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      failures: connectFailures,
      /** Closed or reset by the server before the end, and of those, answered with some bytes first (node:http says 408). */
      closedByServer: z.number().int().nonnegative(),
      answeredBeforeClose: z.number().int().nonnegative(),
      /** From each one's connect until the server closed it; null when it closed none. */
      closedAfterMs: spreadMs.nullable(),
      openAtEnd: z.number().int().nonnegative(),
    }),
    /** Connections sending a request head one byte per interval, never finished. */
    slowloris: z.object({
      asked: z.number().int().nonnegative(),
      opened: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      failures: connectFailures,
      answered408: z.number().int().nonnegative(),
      /** From each one's first byte until it was answered 408 and closed; null when none was. */
      answered408AfterMs: spreadMs.nullable(),
      otherAnswers: z.number().int().nonnegative(),
      /** Every status answered, by code (0: an answer that was no status line). */
      statuses: z.record(z.string(), z.number().int().nonnegative()),
      closedUnanswered: z.number().int().nonnegative(),
      /** Neither answered nor closed by the end of the scenario. */
      neverAnswered: z.number().int().nonnegative(),
      bytesSent: z.object({ min: z.number().int().nonnegative(), max: z.number().int().nonnegative() }),
    }),
    /** The ordinary requests: GET /plaintext, open loop, each on a fresh connection, latency from when it was due. */
    ordinary: z.object({
      sent: z.number().int().nonnegative(),
      /** Answered 2xx within requestTimeoutMs. */
      ok: z.number().int().nonnegative(),
      non2xx: z.number().int().nonnegative(),
      timeouts: z.number().int().nonnegative(),
      /** Refused, reset, or closed without an answer. */
      errors: z.number().int().nonnegative(),
      successRate: z.number().min(0).max(1),
      /** Of the 2xx answers; null when there were none. */
      latencyMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }).nullable(),
    }),
    /** The file-descriptor limits (ulimit -n) of the generator and the server, and what they made the flood leave out (null: nothing). */
    descriptors: z.object({ clientLimit: z.number().int().nullable(), serverLimit: z.number().int().nullable(), note: z.string().nullable() }),
    /** Peak of the server's process tree's summed RSS during the scenario. */
    serverPeakRssBytes: z.number().int().nonnegative().nullable(),
  }),
  notApplicableSchema,
  failedScenarioSchema,
]);

/** One client writing pipelined requests without reading the answers, then reading them (resilience/flood-client.ts). */
export const pipelineFloodSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('measured'),
    requests: z.number().int().positive(),
    requestBytes: z.number().int().positive(),
    /** The client's writes stopped making progress before every request was written, and after how long. */
    writesStalled: z.boolean(),
    stalledAfterMs: z.number().nonnegative().nullable(),
    /** Bytes the client's kernel had taken once the server's reading settled, before the client read anything. */
    acceptedBytes: z.number().int().nonnegative(),
    /** Of those, read by the server's process (the rest waited in the two kernels' queues, `queuedBytes`); null when unknown (the connection was gone). */
    serverReadBytes: z.number().int().nonnegative().nullable(),
    queuedBytes: z.object({ client: z.number().int().nonnegative(), server: z.number().int().nonnegative() }).nullable(),
    /** Answer bytes waiting then in the client's receive queue and the server's send queue (written by the server, unread by the client). */
    answersQueuedBytes: z.object({ client: z.number().int().nonnegative(), server: z.number().int().nonnegative() }).nullable(),
    /** It left received bytes unread while its answers were not read: backpressure. Null when unknown. */
    stoppedReading: z.boolean().nullable(),
    /** Every request answered; the server closed the connection first; neither within the read bound. */
    outcome: z.enum(['served', 'closed', 'gave-up']),
    responses: z.number().int().nonnegative(),
    non2xx: z.number().int().nonnegative(),
    durationMs: z.number().nonnegative(),
    /** The server's process tree's summed RSS just before the flood, and its peak during it. */
    idleRssBytes: z.number().int().nonnegative(),
    peakRssBytes: z.number().int().nonnegative(),
  }),
  notApplicableSchema,
  failedScenarioSchema,
]);

/** SIGKILL of one worker process under steady load (resilience/killed-worker.ts). */
export const killedWorkerSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('measured'),
    /** Worker processes before the kill; the load's connections and seconds. */
    workers: z.number().int().positive(),
    connections: z.number().int().positive(),
    durationSec: z.number().positive(),
    killedPid: z.number().int(),
    /** The process the primary started after the kill; null when none appeared within the bound. */
    replacementPid: z.number().int().nullable(),
    /** Responses in the load's window, and requests that failed over its whole run (errors, timeouts, resets, non-2xx). */
    requests: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    failedShare: z.number().min(0).max(1),
    reconnects: z.number().int().nonnegative(),
    /** From the kill to the replacement's process appearing, and to the first answer found to come from it; null when not within the bound. */
    replacedAfterMs: z.number().nonnegative().nullable(),
    servingAfterMs: z.number().nonnegative().nullable(),
    probes: z.number().int().nonnegative(),
  }),
  notApplicableSchema,
  failedScenarioSchema,
]);

/** A variant's resilience scenarios; null where a scenario was not reached (the run was interrupted first). */
export const resilienceSchema = z.object({
  idleFlood: idleFloodSchema.nullable(),
  pipelineFlood: pipelineFloodSchema.nullable(),
  killedWorker: killedWorkerSchema.nullable(),
});

/** The concurrency model a variant demonstrates; null for a server the suite did not start (--target). */
const modelSchema = z.enum(CONCURRENCY_MODELS).nullable();

/**
 * The models of the variants the suite shipped before results recorded them (version 9): what a
 * file of an older version is read with. A name not here (a variant a user added, a --target
 * server) has no model there.
 */
export const SHIPPED_MODELS: Readonly<Record<string, ConcurrencyModel>> = {
  'single-loop': 'event-loop',
  cluster: 'multi-process',
  'worker-pool': 'thread-pool',
  offload: 'event-loop+pool',
  blocking: 'blocking',
  'node-http': 'baseline',
};

/** A variant as files before version 9 wrote it: without its model, which its name tells. */
function upgradeVariant(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || 'model' in raw) return raw;
  const name = (raw as { name?: unknown }).name;
  return { ...raw, model: typeof name === 'string' && Object.hasOwn(SHIPPED_MODELS, name) ? SHIPPED_MODELS[name] : null };
}

/** skipped: not checked at all (--no-verify on a --target run). */
const verificationSchema = z.object({ ok: z.boolean(), failures: z.array(z.string()), skipped: z.boolean().optional() });
/** What the variant reported about itself on start (workers, scheduling, pool settings). */
const infoSchema = z.record(z.string(), z.union([z.string(), z.number()]));

/** Verified, then measured; some cells may still have failed (in the A/B mode, a sample's server). */
const okVariantSchema = z.object({
  name: z.string(),
  model: modelSchema,
  status: z.literal('ok'),
  verification: verificationSchema,
  pids: z.array(z.number().int()),
  info: infoSchema,
  cells: z.array(cellSchema),
  /** A resilience run's scenarios (version 6); absent or null in other runs. */
  resilience: resilienceSchema.nullable().optional(),
  /** Measured from load hosts (version 10): each host's round trip to this server; absent or null otherwise. */
  network: z.array(rttSchema).nullable().optional(),
});

/** Answered wrongly at verification, so never measured. */
const refusedVariantSchema = z.object({
  name: z.string(),
  model: modelSchema,
  status: z.literal('refused'),
  reason: z.string(),
  verification: verificationSchema,
  /** The server's last output lines. */
  output: z.array(z.string()),
});

/** Did not start, or crashed or stopped answering mid-run: the cells measured before it are kept. */
const failedVariantSchema = z.object({
  name: z.string(),
  model: modelSchema,
  status: z.literal('failed'),
  reason: z.string(),
  /** null when it failed before verification. */
  verification: verificationSchema.nullable(),
  output: z.array(z.string()),
  pids: z.array(z.number().int()),
  info: infoSchema,
  cells: z.array(cellSchema),
  /** The scenarios finished before it failed, in a resilience run. */
  resilience: resilienceSchema.nullable().optional(),
});

/** Not reached: the run was interrupted first. */
const notRunVariantSchema = z.object({ name: z.string(), model: modelSchema, status: z.literal('not-run') });

export const variantSchema = z.preprocess(
  upgradeVariant,
  z.discriminatedUnion('status', [okVariantSchema, refusedVariantSchema, failedVariantSchema, notRunVariantSchema]),
);

/** How a run shared the CPUs between the server and the load generator (plan/cpu-plan.ts). */
export const cpuPlanSchema = z.object({
  /** CPUs the run could use. */
  cpus: z.number().int().positive(),
  /** The server's CPUs, and so the default workers of the variants that have them; not pinned, it could use all of `cpus`. */
  server: z.number().int().positive(),
  /** The generator's CPUs, and so its threads (builtin, wrk; autocannon runs one). */
  loadgen: z.number().int().positive(),
  pinned: z.boolean(),
  /** `default`: the documented rule; `explicit`: --server-cpus or --loadgen-cpus. */
  rule: z.enum(['default', 'explicit']),
  why: z.string(),
  /** The host the server ran on (`--server-host`), on its own CPUs; null when it ran here. */
  serverHost: z.string().nullable().default(null),
});

/** How a run shared the CPUs, as recorded. */
export type CpuPlanRecord = z.infer<typeof cpuPlanSchema>;

export const environmentSchema = z.object({
  node: z.string(),
  os: z.string(),
  cpuModel: z.string(),
  cpus: z.number().int().positive(),
  loadAverageBefore: z.array(z.number()),
  gitSha: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  loadgen: z.object({ name: z.string(), version: z.string() }),
  pinning: z.object({ server: z.string().nullable(), loadgen: z.string().nullable() }),
  /** How the CPUs were shared (version 10); null in older files, whose `pinning` says where each side ran. */
  cpuPlan: cpuPlanSchema.nullable().default(null),
});

export const settingsSchema = z.object({
  profile: z.string(),
  variants: z.array(z.string()),
  workloads: z.array(z.string()),
  connections: z.array(z.number().int().positive()),
  pipelining: z.array(z.number().int().positive()),
  durationSec: z.number().positive(),
  warmupSec: z.number().nonnegative(),
  repetitions: z.number().int().positive(),
  /** A capacity run: the offered rates and the latency objective per workload; null otherwise. */
  capacity: z
    .object({
      rates: z.array(z.string()).min(1),
      /** Rates added by bisection between the capacity and the first miss, at most. */
      refine: z.number().int().nonnegative().default(0),
      sloP99Ms: z.record(z.string(), z.number().positive()),
      arrivals: arrivalsSchema,
    })
    .nullable()
    .default(null),
  /** What each workload of the run sent (version 5): its description and requests, each with its share of the draws. Empty in older files. */
  mixes: z
    .record(
      z.string(),
      z.object({
        description: z.string(),
        requests: z.array(
          z.object({
            label: z.string(),
            method: z.string(),
            path: z.string(),
            /** Its share of the draws, 0 to 1. */
            share: z.number().nonnegative(),
            /** CPU-heavy (what a heavy share such as `mixed@5%` sets). */
            heavy: z.boolean(),
            bodyBytes: z.number().int().nonnegative(),
          }),
        ),
      }),
    )
    .default({}),
  /** The app module every variant served (`--app`), or null for the built-in routes alone. */
  app: z.string().nullable().default(null),
  /** Processes or threads asked of the variants that have them (`--workers`, each a server of its own), or null for their default; what each ran is in its `info`. Older files: one number. */
  workers: z.preprocess((w) => (typeof w === 'number' ? [w] : w), z.array(z.number().int().positive()).min(1).nullable().default(null)),
  /** A scaling run (version 10): `workers` is a curve, and a count above the server's CPUs (environment.cpuPlan) was left out, not measured. */
  scaling: z.boolean().default(false),
  /** A resilience run (version 6): what each scenario held, sent and how long; absent or null otherwise. */
  resilience: z
    .object({
      idleConnections: z.number().int().nonnegative(),
      slowlorisConnections: z.number().int().nonnegative(),
      slowlorisIntervalMs: z.number().positive(),
      ordinaryRps: z.number().positive(),
      windowSec: z.number().positive(),
      requestTimeoutMs: z.number().positive(),
      pipelinedRequests: z.number().int().positive(),
      killWorkers: z.number().int().positive(),
      killLoadSec: z.number().positive(),
      killAtSec: z.number().nonnegative(),
      killConnections: z.number().int().positive(),
      /** The servers' headers and idle keep-alive timeouts when set for the run (cbench serve's hidden flags), null for their defaults. */
      headersTimeoutMs: z.number().int().positive().nullable(),
      keepAliveTimeoutMs: z.number().int().positive().nullable(),
    })
    .nullable()
    .optional(),
  /** Load hosts the run drove its load from (`--loadgen-hosts`, version 10) and the checkout on them; null when this machine did. */
  loadgenHosts: z
    .object({ hosts: z.array(z.string()).min(1), remoteDir: z.string() })
    .nullable()
    .default(null),
  /** The host the variants were served on (`--server-host`, version 10) and the checkout there; null when this machine served them. */
  serverHost: z.object({ host: z.string(), remoteDir: z.string() }).nullable().default(null),
  /** Servers the suite did not start (--target), measured instead of variants; null otherwise. */
  targets: z
    .array(z.object({ name: z.string(), url: z.string(), pid: z.number().int().positive().nullable() }))
    .nullable()
    .default(null),
});

/** An absolute objective (`--threshold`) checked on the cells it named (objectives.ts). */
export const objectiveResultSchema = z.object({
  expression: z.string(),
  checks: z.array(z.object({ variant: z.string(), cell: z.string(), value: z.number().nullable(), pass: z.boolean() })),
  /** Every named cell passed, and there was one. */
  pass: z.boolean(),
});
export type ObjectiveResult = z.infer<typeof objectiveResultSchema>;

/** The models whose variants have workers that `--workers` sets. */
const WORKER_MODELS: ReadonlySet<string> = new Set<ConcurrencyModel>(['multi-process', 'thread-pool', 'event-loop+pool']);

/**
 * A file before version 10 recorded one `--workers` count in its settings and none on its cells:
 * the cells of the variants that have workers ran at that count, and say so now, as a run of
 * version 10 records it (so that `cbench compare` pairs them with a newer run's).
 */
function upgradeWorkers(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const r = raw as { version?: unknown; settings?: { workers?: unknown }; variants?: unknown };
  const n = r.settings?.workers;
  if (typeof r.version !== 'number' || r.version >= 10 || typeof n !== 'number' || !Array.isArray(r.variants)) return raw;
  const variants = r.variants.map((v: { name?: unknown; model?: unknown; cells?: unknown }) => {
    const model = typeof v.model === 'string' ? v.model : typeof v.name === 'string' && Object.hasOwn(SHIPPED_MODELS, v.name) ? SHIPPED_MODELS[v.name] : null;
    if (model === null || model === undefined || !WORKER_MODELS.has(model) || !Array.isArray(v.cells)) return v;
    return { ...v, cells: v.cells.map((c: object) => ({ workers: n, ...c })) };
  });
  return { ...r, variants };
}

export const resultsSchema = z.preprocess(
  upgradeWorkers,
  z.object({
    schema: z.literal(RESULTS_SCHEMA),
    // Version 1 differs only in fields version 2 dropped, which parsing strips; versions 2 to 9
    // lack only fields that default to null (or, for `mixes`, to none; a repetition's threads, to 1)
    // or are optional, but for a sweep's generatorSaturatedAtMiss (upgradeSweep), a variant's model
    // (upgradeVariant) and settings' workers, one number before version 10.
    version: z
      .union([
        z.literal(1),
        z.literal(2),
        z.literal(3),
        z.literal(4),
        z.literal(5),
        z.literal(6),
        z.literal(7),
        z.literal(8),
        z.literal(9),
        z.literal(RESULTS_VERSION),
      ])
      .transform((): typeof RESULTS_VERSION => RESULTS_VERSION),
    runId: z.string(),
    /** incomplete: interrupted, or still being written. */
    status: z.enum(['complete', 'incomplete']),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    environment: environmentSchema,
    settings: settingsSchema,
    variants: z.array(variantSchema),
    /** The objectives given with --threshold and their verdicts; null when none were given, and before version 8. */
    objectives: z.array(objectiveResultSchema).nullable().default(null),
  }),
);

export type Results = z.infer<typeof resultsSchema>;
export type Environment = Results['environment'];
export type Settings = Results['settings'];
export type VariantResult = z.infer<typeof variantSchema>;
export type OkVariant = z.infer<typeof okVariantSchema>;
export type FailedVariant = z.infer<typeof failedVariantSchema>;
export type CellResult = z.infer<typeof cellSchema>;
export type OkCell = z.infer<typeof okCellSchema>;
export type FailedCell = z.infer<typeof failedCellSchema>;
export type Repetition = z.infer<typeof repetitionSchema>;
export type RatePoint = z.infer<typeof sweepPointSchema>;
export type Sweep = z.infer<typeof sweepSchema>;
export type GeneratorBound = z.infer<typeof generatorBoundSchema>;
export type RouteSummary = z.infer<typeof routeSummarySchema>;
export type Bottleneck = z.infer<typeof bottleneckSchema>;
export type Resilience = z.infer<typeof resilienceSchema>;
export type IdleFloodResult = z.infer<typeof idleFloodSchema>;
export type PipelineFloodResult = z.infer<typeof pipelineFloodSchema>;
export type KilledWorkerResult = z.infer<typeof killedWorkerSchema>;
export type ResilienceSettingsRecord = NonNullable<Settings['resilience']>;

/** A variant's entry without its model, which the run already holds (setVariant keeps it). */
export type VariantEntry = VariantResult extends infer V ? (V extends unknown ? Omit<V, 'model'> & { model?: VariantResult['model'] } : never) : never;

/** The cells a variant has: none unless it was measured (in full or until it failed). */
export function cellsOf(v: VariantEntry): CellResult[] {
  return v.status === 'ok' || v.status === 'failed' ? v.cells : [];
}

/** Why a variant has no figures, or part of them: its reason, or that the run was interrupted first. */
export function whyNot(v: VariantResult): string {
  return v.status === 'not-run' ? 'not run: the run was interrupted first' : v.status === 'ok' ? '' : `${v.status}: ${v.reason}`;
}

/** Each resilience scenario that failed, as `variant scenario (reason)`: what a run could not measure besides its variants. */
export function unmeasuredScenarios(results: Results): string[] {
  return results.variants.flatMap((v) =>
    v.status === 'ok' || v.status === 'failed'
      ? Object.entries(v.resilience ?? {}).flatMap(([scenario, r]) => (r?.status === 'failed' ? [`${v.name} ${scenario} (${r.reason})`] : []))
      : [],
  );
}

/** A run that has not measured anything yet: every variant `not-run`, status `incomplete`. */
export function newResults(runId: string, settings: Settings, environment: Environment, modelOf: (variant: string) => ConcurrencyModel | null): Results {
  return {
    schema: RESULTS_SCHEMA,
    version: RESULTS_VERSION,
    runId,
    status: 'incomplete',
    startedAt: new Date().toISOString(),
    finishedAt: null,
    environment,
    settings,
    variants: settings.variants.map((name) => ({ name, model: modelOf(name), status: 'not-run' })),
    objectives: null,
  };
}

/** Replaces the entry of variant `v.name`; its model stays the one the run recorded unless `v` gives one. */
export function setVariant(results: Results, v: VariantEntry): void {
  const i = results.variants.findIndex((x) => x.name === v.name);
  const before = results.variants[i];
  if (before === undefined) throw new Error(`setVariant: ${v.name} is not in the run`);
  results.variants[i] = { ...v, model: v.model === undefined ? before.model : v.model } as VariantResult;
}

/** A cell's row name in a report: its variant's, with the worker count when the variant ran at more than one (`cluster ×4`). */
export function rowLabel(v: VariantResult, c: { workers: number | null }): string {
  return new Set(cellsOf(v).map((x) => x.workers)).size > 1 ? variantLabel(v.name, c.workers) : v.name;
}
