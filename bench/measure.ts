// Measuring one cell on a server that is up: a discarded warm-up, then repetitions with the load
// generator in a process of its own, and the server's CPU time and memory read from /proc around
// each. Every mode (the plain run, the A/B run, bench:cpu) measures through this.

import { performance } from 'node:perf_hooks';
import { firstLine } from '../shared/first-line.js';
import { parseInfo, type ServerInfo } from '../shared/serve-protocol.js';
import { analyseSweep } from './capacity.js';
import { cpuBusySeconds, isGone, PeakRss, type Pinning, processTree, type ServerProcess, treeCpuSeconds } from './lib/processes.js';
import type { LoadGenerator, LoadSample, LoadTarget, OpenLoopStats } from './loadgen/types.js';
import type { Bottleneck, CellResult, FailedCell, OkCell, RatePoint, Repetition, RouteSummary, Sweep } from './results.js';
import { generatorBoundOf, generatorSaturated, loadgenCpuShare, openLoopFigures, SATURATED_SHARE } from './saturation.js';
import { type Cell, DEFAULT_SLO_P99_MS, offeredRps, parseRate, type RunSettings, resolveWorkload } from './scenarios.js';
import { summarize } from './stats.js';

export { SATURATED_SHARE };

/** What measuring a cell needs besides the server. */
export interface CellContext {
  settings: Pick<RunSettings, 'warmupSec' | 'durationSec' | 'repetitions'> & Partial<Pick<RunSettings, 'capacity' | 'catalog'>>;
  loadgen: LoadGenerator;
  pinning: Pick<Pinning, 'loadgenPin' | 'serverCpus' | 'serverCpuList' | 'loadgenCpuList'>;
}

/** Where the generator runs, and what it needs to read the server's CPU and its own at its window's edges. */
export function observing(serverPid: number | null, p: CellContext['pinning']): Pick<LoadTarget, 'pin' | 'serverPid' | 'serverCpuList' | 'loadgenCpuList'> {
  return {
    pin: p.loadgenPin,
    ...(serverPid === null ? {} : { serverPid }),
    ...(serverPid === null || p.serverCpuList === null ? {} : { serverCpuList: p.serverCpuList }),
    ...(p.loadgenCpuList === null ? {} : { loadgenCpuList: p.loadgenCpuList }),
  };
}

/** The server's CPU as read around a load generator's run, by the harness. */
export interface AroundRun {
  /** Its process tree's CPU seconds, in user space and in the kernel. */
  userSec: number;
  systemSec: number;
  /** Seconds its pinned CPUs were busy; null when not pinned. */
  cpusBusySec: number | null;
  wallSec: number;
}

/** Reads the server's CPU now, to subtract from a later reading. */
export function readServerCpu(pid: number, cpuList: readonly number[] | null): { user: number; system: number; cpusBusySec: number | null; at: number } {
  return { ...treeCpuSeconds(processTree(pid)), cpusBusySec: cpuList === null ? null : cpuBusySeconds(cpuList), at: performance.now() };
}

/** What was read between `before` and now. */
export function serverCpuSince(before: ReturnType<typeof readServerCpu>, pid: number, cpuList: readonly number[] | null): AroundRun {
  const now = readServerCpu(pid, cpuList);
  // Workers that started in between (a replaced cluster worker) count from zero.
  return {
    userSec: Math.max(0, now.user - before.user),
    systemSec: Math.max(0, now.system - before.system),
    cpusBusySec: now.cpusBusySec === null || before.cpusBusySec === null ? null : Math.max(0, now.cpusBusySec - before.cpusBusySec),
    wallSec: (now.at - before.at) / 1000,
  };
}

/**
 * How much of what it could use the server used, 1 at most. Pinned, by how busy its CPUs were
 * (the kernel's packet work for its sockets runs there and is charged to no process); not pinned,
 * by its own CPU time, as its CPUs are shared with the generator. The generator's reading of its
 * exact window is preferred; the harness's reading around the run is diluted by the generator's
 * start-up and connection set-up.
 */
export function serverCpuShare(sample: LoadSample, around: AroundRun, capacity: number): number {
  const window = (sec: number | null | undefined) => (typeof sec === 'number' ? sec / sample.durationSec : null);
  const own = window(sample.serverCpuSec) ?? (around.userSec + around.systemSec) / around.wallSec;
  const pinned = around.cpusBusySec === null ? null : (window(sample.serverCpusBusySec) ?? around.cpusBusySec / around.wallSec);
  // The larger of the two, as for the generator (loadgenCpuShare).
  return Math.min(1, Math.max(own, pinned ?? 0) / capacity);
}

/**
 * The CPU a server can use: the CPUs it was given, but no more than the threads that run its
 * JavaScript (the workers it reports, else one event loop).
 */
export function serverCapacity(serverCpus: number, info: ServerInfo): number {
  const workers = typeof info.workers === 'number' && info.workers > 0 ? info.workers : 1;
  return Math.max(1, Math.min(serverCpus, workers));
}

/** Which side used up its CPU: the label of a measured cell. */
export function bottleneckOf(loadgenCpuShare: number, serverCpuShare: number): Bottleneck {
  const client = loadgenCpuShare >= SATURATED_SHARE;
  const server = serverCpuShare >= SATURATED_SHARE;
  return client && server ? 'both' : client ? 'loadgen' : server ? 'server' : 'neither';
}

/** A cell's identity in the results. */
export type CellKey = Pick<CellResult, 'workload' | 'connections' | 'pipelining'>;

export function cellKey(cell: Cell): CellKey {
  return { workload: cell.workload, connections: cell.connections, pipelining: cell.pipelining };
}

/** A cell that could not be measured in full, with the repetitions that finished before. */
export function failedCell(key: CellKey, reason: string, repetitions: Repetition[]): FailedCell {
  return { ...key, status: 'failed', reason, repetitions, sweep: null };
}

/** What measuring needs of a server: where it answers and, when known, its process. */
export interface MeasuredServer {
  origin: string;
  /** Its process, for CPU and memory; null when not known (a --target without --target-pid). */
  pid: number | null;
  /** The CPUs its work can use (its pinned CPUs, capped by its threads of JavaScript), for its CPU share; null when not known. */
  capacity: number | null;
  /** Whether it is known to have gone (exited or crashed). */
  gone(): boolean;
}

/** A variant's server started by the harness, as measuring sees it. */
export function startedServer(variant: string, server: ServerProcess, serverCpus: number): MeasuredServer {
  return {
    origin: `http://127.0.0.1:${server.port}`,
    pid: server.pid,
    capacity: serverCapacity(serverCpus, parseInfo(variant, server.output())),
    gone: () => server.exited() || isGone(server.pid),
  };
}

/** Progress as it happens, for the log: the closed-loop repetitions, then each rate of a sweep. */
export interface CellHooks {
  onClosed?: (cell: OkCell) => void;
  /** A rate measured, and the cell as it stands: a failed cell with the sweep so far, what a run interrupted now would keep. */
  onPoint?: (point: RatePoint, soFar: FailedCell) => void;
}

/** The reason a sweep's cell carries while its sweep is still under way. */
export const SWEEP_UNDER_WAY = 'interrupted during its capacity sweep: the rates measured before are kept';

/**
 * Measures a cell: a discarded warm-up and the repetitions, closed loop. In a capacity run, the
 * median of those is the cell's maximum, and each offered rate is then measured the same way
 * open loop (a warm-up at that rate, then the repetitions), lowest first, to the top of the list
 * whatever happens on the way (past saturation is where models differ).
 */
export async function runCell(cell: Cell, server: MeasuredServer, ctx: CellContext, hooks: CellHooks = {}): Promise<CellResult> {
  const target: Omit<LoadTarget, 'durationSec'> = {
    origin: server.origin,
    workload: resolveWorkload(cell.workload, ctx.settings.catalog),
    connections: cell.connections,
    pipelining: cell.pipelining,
    ...observing(server.pid, ctx.pinning),
  };
  const key = cellKey(cell);
  const closed = await measureRun(target, server, ctx);
  if ('reason' in closed) return failedCell(key, closed.reason, closed.repetitions);
  const cellResult = cellFromRepetitions(key, closed.repetitions);
  const capacity = ctx.settings.capacity;
  if (capacity === null || capacity === undefined) return cellResult;
  hooks.onClosed?.(cellResult);

  const sloP99Ms = capacity.sloP99Ms[cell.workload] ?? DEFAULT_SLO_P99_MS;
  const maxRps = cellResult.summary.requestsPerSec.median;
  const points: RatePoint[] = [];
  const sweepOf = (): Sweep & { capacityRps: number | null } => {
    points.sort((a, b) => a.offeredRps - b.offeredRps);
    return { sloP99Ms, arrivals: capacity.arrivals, maxRps, points, ...analyseSweep(points, sloP99Ms) };
  };
  const measurePoint = async (rate: string, offered: number, refined: boolean): Promise<string | undefined> => {
    const open = await measureRun({ ...target, rate: offered, arrivals: capacity.arrivals }, server, ctx);
    if ('reason' in open) return `at ${rate} (${Math.round(offered)} req/s offered): ${open.reason}`;
    const point: RatePoint = { rate, offeredRps: offered, refined, repetitions: open.repetitions, summary: summaryOf(open.repetitions) };
    points.push(point);
    hooks.onPoint?.(point, failed(SWEEP_UNDER_WAY));
    return undefined;
  };
  function failed(reason: string): FailedCell {
    const { capacityRps: _, ...sweepSoFar } = sweepOf();
    return { ...failedCell(key, reason, closed.repetitions), sweep: sweepSoFar };
  }
  const rates = capacity.rates.map((rate) => ({ rate, offeredRps: offeredRps(parseRate(rate), maxRps) })).sort((a, b) => a.offeredRps - b.offeredRps);
  for (const { rate, offeredRps: offered } of rates) {
    const reason = await measurePoint(rate, offered, false);
    if (reason !== undefined) return failed(reason);
  }
  // The listed rates put the capacity between two of them, often far apart (25% and 50% of the
  // maximum): halve that gap a few times, as a bisection does, so the capacity is not just the
  // nearest rate of a coarse list below it.
  const percent = capacity.rates.every((r) => r.endsWith('%'));
  for (let i = 0; i < capacity.refine; i++) {
    const { capacityRps, firstMiss } = sweepOf();
    if (capacityRps === null || firstMiss === null || firstMiss.offeredRps <= capacityRps * (1 + REFINED_ENOUGH)) break;
    const mid = (capacityRps + firstMiss.offeredRps) / 2;
    const reason = await measurePoint(percent && maxRps > 0 ? `${Number(((mid / maxRps) * 100).toFixed(1))}%` : String(Math.round(mid)), mid, true);
    if (reason !== undefined) return failed(reason);
  }
  const { capacityRps, ...sweep } = sweepOf();
  return { ...cellResult, sweep, capacityRps };
}

/** A capacity known within this share of itself (the gap to the first miss) is not refined further. */
const REFINED_ENOUGH = 0.05;

/**
 * A discarded warm-up, then the repetitions, each with the server's CPU and peak memory read
 * around it; or why it stopped, with the repetitions done before. Open loop, the warm-up runs
 * inside each repetition's generator instead, at its rate, its schedule running on into the
 * window: a generator process starts cold every repetition, and a window that opens on its first
 * compilations and on the server's ramp to that rate measures neither (README, "Its open loop").
 */
async function measureRun(
  target: Omit<LoadTarget, 'durationSec'>,
  server: MeasuredServer,
  ctx: CellContext,
): Promise<{ repetitions: Repetition[] } | { reason: string; repetitions: Repetition[] }> {
  const open = target.rate !== undefined;
  try {
    if (ctx.settings.warmupSec > 0 && !open) await ctx.loadgen.run({ ...target, durationSec: ctx.settings.warmupSec, seed: 0 });
  } catch (e) {
    return { reason: `warm-up failed: ${firstLine(e)}`, repetitions: [] };
  }
  if (server.gone()) return { reason: 'the server exited during warm-up', repetitions: [] };

  const repetitions: Repetition[] = [];
  const cpuList = ctx.pinning.serverCpuList;
  for (let r = 0; r < ctx.settings.repetitions; r++) {
    const pid = server.pid;
    const before = pid === null ? null : readServerCpu(pid, cpuList);
    const rss = pid === null ? null : new PeakRss(pid);
    rss?.start();
    let sample: LoadSample;
    try {
      // Each repetition its own seed: arrivals and a mix's draws differ between repetitions (so
      // where the heavy requests fall is not the same every time) and repeat between runs.
      sample = await ctx.loadgen.run({
        ...target,
        durationSec: ctx.settings.durationSec,
        seed: r + 1,
        ...(open && ctx.settings.warmupSec > 0 ? { warmupSec: ctx.settings.warmupSec } : {}),
      });
    } catch (e) {
      rss?.stop();
      return { reason: `load generator failed: ${firstLine(e)}`, repetitions };
    }
    const around = pid === null || before === null ? null : serverCpuSince(before, pid, cpuList);
    const peak = rss?.stop() ?? null;
    const { serverCpuSec, serverCpusBusySec, loadgenCpusBusySec, openLoop, routes, ...figures } = sample;
    // The generator's reading covers exactly the requests it counted.
    const cpuForRequests = serverCpuSec ?? (around === null ? null : around.userSec + around.systemSec);
    const serverShare = around === null || server.capacity === null ? null : serverCpuShare(sample, around, server.capacity);
    const loadgenShare = loadgenCpuShare(sample);
    repetitions.push({
      ...figures,
      serverCpuUserSec: around?.userSec ?? null,
      serverCpuSystemSec: around?.systemSec ?? null,
      serverCpuUsPerRequest: sample.requests > 0 && cpuForRequests !== null ? (cpuForRequests * 1e6) / sample.requests : null,
      serverCpuShare: serverShare,
      serverPeakRssBytes: peak,
      loadgenCpuShare: loadgenShare,
      bottleneck: serverShare === null ? null : bottleneckOf(loadgenShare, serverShare),
      openLoop: openLoop === null || openLoop === undefined ? null : openLoopRecord(openLoop, sample.latencyMs.p99, loadgenShare),
      routes: routes ?? null,
      canary: null,
    });
    if (server.gone()) return { reason: 'the server exited during the run (crashed)', repetitions };
    // Open loop, a server that answers nothing at some rate is a point of the sweep (served 0),
    // which its analysis reads as behind and failing; closed loop, there is nothing to measure.
    if (sample.requests === 0 && target.rate === undefined) return { reason: 'the server stopped answering: no request completed', repetitions };
  }
  return { repetitions };
}

/** How an open-loop repetition kept to its schedule, as results.json keeps it, with the generator-bound rule's verdict. */
function openLoopRecord(o: OpenLoopStats, p99Ms: number, loadgenCpuShare: number): NonNullable<Repetition['openLoop']> {
  const figures = openLoopFigures(o, p99Ms, loadgenCpuShare);
  return {
    offeredRps: o.rate,
    arrivals: o.arrivals,
    due: o.due,
    late: o.late,
    unsent: o.unsent,
    sendLagP99Ms: o.sendLagMs.p99,
    scheduleLagP99Ms: o.scheduleLagMs.p99,
    loopDelayP99Ms: o.loopDelayMs.p99,
    loopDelayMaxMs: o.loopDelayMs.max,
    heldUpShare: figures.heldUpShare,
    notHeldP99Ms: figures.notHeldP99Ms,
    generatorBound: generatorBoundOf(figures),
  };
}

/** Median, min and max of a figure some repetitions may lack; null when none has it. */
function summarizeSome(values: Array<number | null | undefined>) {
  const present = values.filter((v): v is number => typeof v === 'number');
  return present.length === 0 ? null : summarize(present);
}

/** Worst first: a cell takes the first of these that any of its repetitions had. */
const BOTTLENECK_ORDER: readonly Bottleneck[] = ['loadgen', 'both', 'server', 'neither'];

/**
 * A measured cell from its (one or more) repetitions: median, min and max of each figure, and
 * which side was saturated: the worst of its repetitions', so one repetition the generator held
 * back makes the cell client-bound (a floor) rather than disappearing into a median.
 */
export function cellFromRepetitions(key: CellKey, repetitions: Repetition[]): OkCell {
  if (repetitions.length === 0) throw new Error('cellFromRepetitions: a measured cell has at least one repetition');
  const each = repetitions.flatMap((r) => (r.serverCpuShare === null ? [] : [bottleneckOf(r.loadgenCpuShare, r.serverCpuShare)]));
  const bottleneck = each.length === 0 ? null : (BOTTLENECK_ORDER.find((b) => each.includes(b)) ?? null);
  return {
    ...key,
    status: 'ok',
    clientBound: bottleneck === null ? repetitions.some(generatorSaturated) : bottleneck === 'loadgen',
    bottleneck,
    repetitions,
    summary: summaryOf(repetitions),
    sweep: null,
    capacityRps: null,
  };
}

/** Median, min and max of each figure over some repetitions (at least one). */
export function summaryOf(repetitions: Repetition[]): OkCell['summary'] {
  const pick = (f: (r: Repetition) => number) => summarize(repetitions.map(f));
  return {
    requestsPerSec: pick((r) => r.requestsPerSec),
    latencyP50Ms: pick((r) => r.latencyMs.p50),
    latencyP99Ms: pick((r) => r.latencyMs.p99),
    latencyP99_9Ms: pick((r) => r.latencyMs.p99_9),
    serverCpuUsPerRequest: summarizeSome(repetitions.map((r) => r.serverCpuUsPerRequest)),
    serverPeakRssBytes: summarizeSome(repetitions.map((r) => r.serverPeakRssBytes)),
    loadgenCpuShare: pick((r) => r.loadgenCpuShare),
    serverCpuShare: summarizeSome(repetitions.map((r) => r.serverCpuShare)),
    fairnessJain: summarizeSome(repetitions.map((r) => r.fairness?.jain)),
    firstResponseP99Ms: summarizeSome(repetitions.map((r) => r.firstResponseMs?.p99)),
    firstResponseMaxMs: summarizeSome(repetitions.map((r) => r.firstResponseMs?.max)),
    errors: repetitions.reduce((n, r) => n + r.errors + r.timeouts + r.resets, 0),
    routes: routeSummaries(repetitions),
  };
}

/**
 * Per request of the mix over the repetitions, matched by label: the counts summed, each
 * percentile's median, min and max. A request no repetition answered has no latency to give and
 * is left out; null when some repetition has no per-route figures.
 */
function routeSummaries(repetitions: Repetition[]): RouteSummary[] | null {
  const per = repetitions.map((r) => r.routes);
  if (per.some((r) => r === null)) return null;
  const labels = [...new Set(per.flatMap((rs) => (rs ?? []).map((r) => r.label)))];
  return labels.flatMap((label) => {
    const samples = per.flatMap((rs) => (rs ?? []).filter((r) => r.label === label));
    const answered = samples.filter((r) => r.requests > 0);
    if (answered.length === 0) return [];
    const pick = (f: (l: (typeof samples)[number]['latencyMs']) => number) => summarize(answered.map((r) => f(r.latencyMs)));
    return [
      {
        label,
        requests: samples.reduce((n, r) => n + r.requests, 0),
        non2xx: samples.reduce((n, r) => n + r.non2xx, 0),
        latencyP50Ms: pick((l) => l.p50),
        latencyP99Ms: pick((l) => l.p99),
        latencyP99_9Ms: pick((l) => l.p99_9),
      },
    ];
  });
}
