// The resilience profile: each variant through three hostile scenarios instead of the matrix's
// cells, in the same run folder, results.json and Ctrl-C handling as any run (lifecycle.ts). Each
// scenario gets a fresh server (the first one verified), so what one leaves behind (blocking's
// line of held connections, say) cannot spill into the next; results are saved after each.

import { isVariantName, variants } from '../../servers/variants/registry.js';
import { firstLine } from '../../shared/first-line.js';
import { httpOnce } from '../../shared/http-once.js';
import { formatDuration } from '../lib/format.js';
import { cpusText, PeakRss, processTree, rssBytes, type ServerProcess } from '../lib/processes.js';
import { planText } from '../plan/cpu-plan.js';
import type { ResilienceSettings, RunSettings } from '../plan/scenarios.js';
import { idleFloodLine, killedWorkerLine, pipelineFloodLine } from '../report/resilience-text.js';
import { runAttack } from '../resilience/attack.js';
import { killWorkerUnderLoad } from '../resilience/killed-worker.js';
import {
  type IdleFloodResult,
  type KilledWorkerResult,
  type OkVariant,
  type PipelineFloodResult,
  type Resilience,
  type Results,
  setVariant,
} from '../results/results.js';
import { measured, notMeasured, Progress, type Run, type StartOptions, start, startVerified } from './lifecycle.js';

/** What a resilience run needs besides the run itself. */
export interface ResilienceOptions {
  settings: RunSettings & { resilience: ResilienceSettings };
  /** The command that serves a variant, when not `cbench serve` (tests swap in fixtures). */
  serverArgv?: ((variant: string) => string[] | undefined) | undefined;
}

/** The scenarios in the order they run, with how the log names them. */
export const RESILIENCE_SCENARIOS = [
  { key: 'idleFlood', title: 'idle flood + slowloris' },
  { key: 'pipelineFlood', title: 'pipelining flood' },
  { key: 'killedWorker', title: 'killed worker' },
] as const satisfies ReadonlyArray<{ key: keyof Resilience; title: string }>;

const PATH = '/plaintext';
const HOST = '127.0.0.1';

/** The `cbench serve` flags that set the servers' timeouts for the run, when it sets them. */
export function timeoutFlags(r: Pick<ResilienceSettings, 'headersTimeoutMs' | 'keepAliveTimeoutMs'>): string[] {
  return [
    ...(r.headersTimeoutMs === null ? [] : ['--headers-timeout', String(r.headersTimeoutMs)]),
    ...(r.keepAliveTimeoutMs === null ? [] : ['--keep-alive-timeout', String(r.keepAliveTimeoutMs)]),
  ];
}

/** Seconds a variant takes, roughly: for the plan line. */
export function resilienceSeconds(s: ResilienceOptions['settings']): number {
  const r = s.resilience;
  const multiProcess = s.variants.filter((v) => isVariantName(v) && variants[v].model === 'multi-process').length;
  const open = (r.idleConnections + r.slowlorisConnections) / 2_500;
  // Measured on the 2-core machine: start and verification, the connects, the window and its drain, then the flood on a fresh server.
  return s.variants.length * (1.5 + open + r.windowSec + r.requestTimeoutMs / 1000 + 2.5) + multiProcess * (r.killLoadSec + 1);
}

/** The plan line of a resilience run. */
export function announceResilience(run: Run, s: ResilienceOptions['settings']): void {
  const r = s.resilience;
  const { server, loadgen } = run.environment.pinning;
  run.log(
    `plan: ${s.variants.length} variant${s.variants.length === 1 ? '' : 's'} × ${RESILIENCE_SCENARIOS.length} resilience scenarios (${RESILIENCE_SCENARIOS.map((x) => x.title).join(', ')}) ≈ ` +
      `${formatDuration(resilienceSeconds(s))}: ${r.idleConnections.toLocaleString('en-US')} idle and ${r.slowlorisConnections} slowloris connections ` +
      `(a byte every ${r.slowlorisIntervalMs / 1000} s) while GET ${PATH} arrives at ${r.ordinaryRps}/s for ${r.windowSec} s (answered within ${r.requestTimeoutMs / 1000} s); ` +
      `${r.pipelinedRequests.toLocaleString('en-US')} pipelined requests unread; SIGKILL of one of ${r.killWorkers} workers ${r.killAtSec} s into ${r.killLoadSec} s of load`,
  );
  run.log(
    `servers' timeouts: headers ${r.headersTimeoutMs === null ? 'default' : `${r.headersTimeoutMs} ms`}, idle keep-alive ${r.keepAliveTimeoutMs === null ? 'default' : `${r.keepAliveTimeoutMs} ms`}; ` +
      (server === null ? 'not pinned' : `server on ${cpusText(server)}, the clients on ${cpusText(loadgen)}`),
  );
  run.log(`CPU plan: ${planText(run.cpuPlan)}`);
  const headers = r.headersTimeoutMs ?? 10_000;
  if (r.windowSec * 1000 <= headers)
    run.log(
      `note: the ${r.windowSec} s window is not longer than the servers' headers timeout (${headers} ms): no slowloris connection can be timed out within it`,
    );
}

/** Every variant through every scenario; results saved after each. */
export async function runResilience(run: Run, results: Results, opts: ResilienceOptions): Promise<void> {
  const s = opts.settings;
  const progress = new Progress(s.variants.length * RESILIENCE_SCENARIOS.length);
  for (const [i, name] of s.variants.entries()) {
    await runVariant(run, results, name, opts, progress);
    progress.reach((i + 1) * RESILIENCE_SCENARIOS.length);
  }
}

async function runVariant(run: Run, results: Results, name: string, opts: ResilienceOptions, progress: Progress): Promise<void> {
  const s = opts.settings;
  const r = s.resilience;
  const startOptions = (workers: number | null | undefined): StartOptions => ({
    pin: run.pinning.serverPin,
    argv: opts.serverArgv?.(name),
    app: s.app,
    workers: run.workersFor(workers),
    flags: timeoutFlags(r),
  });
  const verified = await startVerified(name, startOptions(s.workers?.[0]));
  if (verified.status !== 'ok') {
    setVariant(results, notMeasured(name, verified));
    run.log(
      `${name}: ${verified.status === 'refused' ? `REFUSED, not measured: ${verified.verification.failures.join('; ')}` : `FAILED to start (${verified.reason})`}`,
    );
    run.save();
    return;
  }
  const resilience: Resilience = { idleFlood: null, pipelineFlood: null, killedWorker: null };
  const entry: OkVariant = { ...measured(name, verified.server, verified.verification, []), resilience };
  setVariant(results, entry);
  run.save();
  const loadgenPin = run.pinning.loadgenPin;

  resilience.idleFlood = await onServer(verified.server, (server) => idleFlood(server, r, loadgenPin));
  run.log(`${progress.tick()} ${name} idle flood + slowloris: ${idleFloodLine(resilience.idleFlood)}`);
  run.save();

  resilience.pipelineFlood = await onFreshServer(name, startOptions(s.workers?.[0]), (server) => pipelineFlood(server, r, loadgenPin));
  run.log(`${progress.tick()} ${name} pipelining flood: ${pipelineFloodLine(resilience.pipelineFlood)}`);
  run.save();

  const why = killNotApplicable(name);
  resilience.killedWorker =
    why !== null
      ? { status: 'not-applicable', reason: why }
      : await onFreshServer(name, startOptions(r.killWorkers), (server) => killedWorker(server, r, loadgenPin));
  run.log(`${progress.tick()} ${name} killed worker: ${killedWorkerLine(resilience.killedWorker)}`);
  run.save();
}

/** Why a variant has no worker process to kill, from its model; null when it has. */
export function killNotApplicable(name: string): string | null {
  if (!isVariantName(name)) return 'not a registered variant: its processes are not known';
  const model = variants[name].model;
  if (model === 'multi-process') return null;
  if (model === 'thread-pool' || model === 'event-loop+pool')
    return 'its workers are threads of one process, and a signal kills the process, not a thread: there is no worker to kill alone';
  return 'one process serves everything: there is no worker to kill, and killing the process stops the server';
}

type Outcome<T> = T | { status: 'failed'; reason: string };

/** Runs a scenario on a server that is up, then stops it; a failure or a crash meanwhile is the scenario's, with the server's last word. */
async function onServer<T>(server: ServerProcess, scenario: (server: ServerProcess) => Promise<T>): Promise<Outcome<T>> {
  try {
    const result = await scenario(server);
    if (server.exited()) return { status: 'failed', reason: `the server exited during the scenario (crashed)${lastWord(server)}` };
    return result;
  } catch (e) {
    return { status: 'failed', reason: `${firstLine(e)}${server.exited() ? `; the server had exited${lastWord(server)}` : ''}` };
  } finally {
    await server.stop();
  }
}

/** Starts a fresh server for a scenario (not verified again: the variant's first one was); a failed start is the scenario's failure. */
async function onFreshServer<T>(name: string, options: StartOptions, scenario: (server: ServerProcess) => Promise<T>): Promise<Outcome<T>> {
  const started = await start(name, options);
  if (started.status !== 'ok') return { status: 'failed', reason: started.reason };
  return onServer(started.server, scenario);
}

function lastWord(server: ServerProcess): string {
  const last = server.output().trim().split('\n').at(-1) ?? '';
  return last === '' ? '' : `: ${last}`;
}

/** The attack's clients in a process of their own, pinned where the load generator runs; the server's peak RSS meanwhile. */
async function idleFlood(server: ServerProcess, r: ResilienceSettings, pin: string[]): Promise<IdleFloodResult> {
  const rss = new PeakRss(server.pid);
  rss.start();
  try {
    const openBoundMs = 30_000;
    const report = await runAttack(
      {
        kind: 'idle-flood',
        host: HOST,
        port: server.port,
        serverPids: processTree(server.pid),
        idle: r.idleConnections,
        slowloris: r.slowlorisConnections,
        slowlorisIntervalMs: r.slowlorisIntervalMs,
        path: PATH,
        rateRps: r.ordinaryRps,
        windowSec: r.windowSec,
        requestTimeoutMs: r.requestTimeoutMs,
        openBoundMs,
      },
      pin,
      openBoundMs + r.windowSec * 1000 + r.requestTimeoutMs + 20_000,
    );
    return {
      status: 'measured',
      windowSec: r.windowSec,
      rateRps: r.ordinaryRps,
      requestTimeoutMs: r.requestTimeoutMs,
      slowlorisIntervalMs: r.slowlorisIntervalMs,
      ...report,
      serverPeakRssBytes: rss.stop(),
    };
  } finally {
    rss.stop();
  }
}

/** The summed RSS of a server's process tree now. */
const treeRss = (pid: number) => processTree(pid).reduce((sum, p) => sum + rssBytes(p), 0);

/** A few ordinary requests first, so the idle RSS is that of a server that has served (code loaded, first buffers allocated). */
async function pipelineFlood(server: ServerProcess, r: ResilienceSettings, pin: string[]): Promise<PipelineFloodResult> {
  const origin = `http://${HOST}:${server.port}`;
  for (let i = 0; i < 3; i++) await httpOnce(origin, PATH);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const idleRssBytes = treeRss(server.pid);
  const rss = new PeakRss(server.pid);
  rss.start();
  try {
    const bounds = { connectTimeoutMs: 5_000, sendBoundMs: 10_000, readBoundMs: 20_000 };
    const report = await runAttack(
      { kind: 'pipeline-flood', host: HOST, port: server.port, path: PATH, requests: r.pipelinedRequests, ...bounds },
      pin,
      bounds.connectTimeoutMs + bounds.sendBoundMs + 5_000 + bounds.readBoundMs + 15_000,
    );
    return { status: 'measured', ...report, idleRssBytes, peakRssBytes: Math.max(idleRssBytes, rss.stop()) };
  } finally {
    rss.stop();
  }
}

async function killedWorker(server: ServerProcess, r: ResilienceSettings, loadgenPin: string[]): Promise<KilledWorkerResult> {
  const figures = await killWorkerUnderLoad({
    host: HOST,
    port: server.port,
    primaryPid: server.pid,
    durationSec: r.killLoadSec,
    killAtSec: r.killAtSec,
    connections: r.killConnections,
    timeoutSec: 2,
    loadgenPin,
  });
  return { status: 'measured', ...figures };
}
