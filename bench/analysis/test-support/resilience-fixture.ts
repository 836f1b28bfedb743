// A resilience run whose answers are known, with the figures of a real run on the 2-core machine
// where there was one: the event loops kept serving and blocking collapsed under the idle flood;
// the event loops stopped reading the pipelining flood and blocking closed it; cluster lost 10
// requests to a killed worker. offload's flood failed and the run was interrupted before its
// killed worker, so every state of a scenario is in it.

import { DEFAULT_RESILIENCE } from '../../plan/scenarios.js';
import {
  type IdleFloodResult,
  type KilledWorkerResult,
  type PipelineFloodResult,
  type Resilience,
  type Results,
  SHIPPED_MODELS,
  type VariantResult,
} from '../../results/results.js';
import { fixtureResults } from './fixture.js';

const MB = 1048576;

/** Ordinary requests all answered promptly, every slowloris connection answered 408 at 10 s, every idle one closed at 5 s: the core's event loops. */
function eventLoopFlood(p99: number): IdleFloodResult {
  return {
    status: 'measured',
    windowSec: 15,
    rateRps: 50,
    requestTimeoutMs: 2_000,
    slowlorisIntervalMs: 1_000,
    idle: {
      asked: 5_000,
      opened: 5_000,
      failed: 0,
      failures: {},
      closedByServer: 5_000,
      answeredBeforeClose: 0,
      closedAfterMs: { min: 4_971.1, p50: 5_122, max: 5_282.8 },
      openAtEnd: 0,
    },
    slowloris: {
      asked: 200,
      opened: 200,
      failed: 0,
      failures: {},
      answered408: 200,
      answered408AfterMs: { min: 10_004.9, p50: 10_043.6, max: 10_065.3 },
      otherAnswers: 0,
      statuses: { '408': 200 },
      closedUnanswered: 0,
      neverAnswered: 0,
      bytesSent: { min: 10, max: 11 },
    },
    ordinary: { sent: 750, ok: 750, non2xx: 0, timeouts: 0, errors: 0, successRate: 1, latencyMs: { p50: 1.98, p99, max: 430.72 } },
    descriptors: { clientLimit: 20_000, serverLimit: 20_000, note: null },
    serverPeakRssBytes: Math.round(107.4 * MB),
  };
}

/** node:http: idle connections answered 408 and closed after its headers timeout, checked on an interval. */
const NODE_HTTP_FLOOD: IdleFloodResult = {
  ...(eventLoopFlood(330.09) as Extract<IdleFloodResult, { status: 'measured' }>),
  idle: {
    asked: 5_000,
    opened: 5_000,
    failed: 0,
    failures: {},
    closedByServer: 5_000,
    answeredBeforeClose: 5_000,
    closedAfterMs: { min: 11_230.8, p50: 12_336.5, max: 12_605.1 },
    openAtEnd: 0,
  },
  slowloris: {
    asked: 200,
    opened: 200,
    failed: 0,
    failures: {},
    answered408: 200,
    answered408AfterMs: { min: 11_286.8, p50: 11_288.7, max: 11_291.6 },
    otherAnswers: 0,
    statuses: { '408': 200 },
    closedUnanswered: 0,
    neverAnswered: 0,
    bytesSent: { min: 12, max: 12 },
  },
};

/** One connection at a time: three idle connections let go in the window, nothing else answered. */
const BLOCKING_FLOOD: IdleFloodResult = {
  status: 'measured',
  windowSec: 15,
  rateRps: 50,
  requestTimeoutMs: 2_000,
  slowlorisIntervalMs: 1_000,
  idle: {
    asked: 5_000,
    opened: 5_000,
    failed: 0,
    failures: {},
    closedByServer: 3,
    answeredBeforeClose: 0,
    closedAfterMs: { min: 4_987.9, p50: 9_986.9, max: 14_987.2 },
    openAtEnd: 4_997,
  },
  slowloris: {
    asked: 200,
    opened: 200,
    failed: 0,
    failures: {},
    answered408: 0,
    answered408AfterMs: null,
    otherAnswers: 0,
    statuses: {},
    closedUnanswered: 0,
    neverAnswered: 200,
    bytesSent: { min: 17, max: 17 },
  },
  ordinary: { sent: 750, ok: 0, non2xx: 0, timeouts: 750, errors: 0, successRate: 0, latencyMs: null },
  descriptors: { clientLimit: 20_000, serverLimit: 20_000, note: null },
  serverPeakRssBytes: Math.round(71.5 * MB),
};

/** Stopped reading after `read` requests (50 bytes each), served all once the client read. */
function backpressure(read: number, idleMb: number, peakMb: number): PipelineFloodResult {
  return {
    status: 'measured',
    requests: 100_000,
    requestBytes: 50,
    writesStalled: false,
    stalledAfterMs: null,
    acceptedBytes: 5_000_000,
    serverReadBytes: read * 50,
    queuedBytes: { client: 5_000_000 - read * 50 - 131_072, server: 131_072 },
    answersQueuedBytes: { client: 1_048_576, server: 2_097_152 },
    stoppedReading: true,
    outcome: 'served',
    responses: 100_000,
    non2xx: 0,
    durationMs: 971,
    idleRssBytes: Math.round(idleMb * MB),
    peakRssBytes: Math.round(peakMb * MB),
  };
}

const BLOCKING_PIPELINE: PipelineFloodResult = {
  status: 'measured',
  requests: 100_000,
  requestBytes: 50,
  writesStalled: true,
  stalledAfterMs: 108,
  acceptedBytes: 3_990_400,
  serverReadBytes: null,
  queuedBytes: null,
  answersQueuedBytes: null,
  stoppedReading: null,
  outcome: 'closed',
  responses: 1,
  non2xx: 0,
  durationMs: 2_009,
  idleRssBytes: Math.round(53.6 * MB),
  peakRssBytes: Math.round(53.7 * MB),
};

const ONE_PROCESS: KilledWorkerResult = {
  status: 'not-applicable',
  reason: 'one process serves everything: there is no worker to kill, and killing the process stops the server',
};
const THREADS: KilledWorkerResult = {
  status: 'not-applicable',
  reason: 'its workers are threads of one process, and a signal kills the process, not a thread: there is no worker to kill alone',
};

/** What each variant's scenarios measured. */
export const RESILIENCE_FIGURES: Record<string, Resilience> = {
  'single-loop': { idleFlood: eventLoopFlood(332.87), pipelineFlood: backpressure(32_713, 53.7, 61.6), killedWorker: ONE_PROCESS },
  cluster: {
    idleFlood: eventLoopFlood(340.5),
    pipelineFlood: backpressure(34_745, 100.4, 110.8),
    killedWorker: {
      status: 'measured',
      workers: 2,
      connections: 16,
      durationSec: 6,
      killedPid: 25_981,
      replacementPid: 26_014,
      requests: 634_402,
      failed: 10,
      failedShare: 10 / 634_412,
      reconnects: 10,
      replacedAfterMs: 110,
      servingAfterMs: 311,
      probes: 18,
    },
  },
  'worker-pool': { idleFlood: eventLoopFlood(351.2), pipelineFlood: backpressure(34_032, 65.5, 118.5), killedWorker: THREADS },
  blocking: { idleFlood: BLOCKING_FLOOD, pipelineFlood: BLOCKING_PIPELINE, killedWorker: ONE_PROCESS },
  'node-http': { idleFlood: NODE_HTTP_FLOOD, pipelineFlood: backpressure(24_792, 53.9, 93.9), killedWorker: ONE_PROCESS },
  offload: {
    idleFlood: eventLoopFlood(338),
    pipelineFlood: { status: 'failed', reason: 'the server exited during the scenario (crashed): out of memory' },
    // Interrupted before it.
    killedWorker: null,
  },
};

/** The run: every variant above, in that order, and one more the interruption left unrun. */
export function resilienceFixture(): Results {
  const base = fixtureResults();
  const names = [...Object.keys(RESILIENCE_FIGURES), 'extra'];
  return {
    ...base,
    status: 'incomplete',
    environment: { ...base.environment, cpus: 2, pinning: { server: '1-1', loadgen: '0' } },
    settings: {
      ...base.settings,
      profile: 'resilience',
      variants: names,
      workloads: [],
      connections: [],
      pipelining: [],
      durationSec: 15,
      warmupSec: 0,
      repetitions: 1,
      mixes: {},
      resilience: { ...DEFAULT_RESILIENCE },
    },
    variants: names.map(
      (name): VariantResult =>
        name === 'extra'
          ? { name, model: null, status: 'not-run' }
          : {
              name,
              model: SHIPPED_MODELS[name] ?? null,
              status: 'ok',
              verification: { ok: true, failures: [] },
              pids: [1_000],
              info: name === 'cluster' ? { workers: 1, schedule: 'rr', restarts: 0 } : {},
              cells: [],
              resilience: RESILIENCE_FIGURES[name] ?? null,
            },
    ),
  };
}
