// Measuring one cell on a server that is up: a discarded warm-up, then repetitions with the load
// generator in a process of its own, and the server's CPU time and memory read from /proc around
// each. Every mode (the plain run, the A/B run, bench:cpu) measures through this.

import { firstLine } from '../../shared/first-line.js';
import { parseInfo } from '../../shared/serve-protocol.js';
import { analyseSweep } from '../analysis/capacity.js';
import { type CellKey, cellFromRepetitions, summaryOf } from '../analysis/repetitions.js';
import { bottleneckOf, generatorBoundOf, loadgenCpuShare, openLoopFigures, serverCapacity, serverCpuShare } from '../analysis/saturation.js';
import { type CpuReading, type CpuSpan, cpuSince, readCpu } from '../lib/cpu-window.js';
import { isGone, PeakRss, type Pinning, processTree, type ServerProcess } from '../lib/processes.js';
import { type ServerWatch, type WatchReading, watchRemoteServer } from '../lib/server-watch.js';
import type { ServerHost } from '../lib/ssh.js';
import { MAX_THREADS } from '../loadgen/threads.js';
import type { LoadGenerator, LoadSample, LoadTarget, OpenLoopStats } from '../loadgen/types.js';
import { type Cell, DEFAULT_SLO_P99_MS, offeredRps, parseRate, type RunSettings, resolveWorkload } from '../plan/scenarios.js';
import type { CellResult, FailedCell, OkCell, RatePoint, Repetition, Sweep } from '../results/results.js';
import { loadSampleSchema } from '../results/sample.js';

/** What measuring a cell needs besides the server. */
export interface CellContext {
  settings: Pick<RunSettings, 'warmupSec' | 'durationSec' | 'repetitions'> & Partial<Pick<RunSettings, 'capacity' | 'catalog' | 'loadgenHosts'>>;
  loadgen: LoadGenerator;
  pinning: Pick<Pinning, 'loadgenPin' | 'serverCpus' | 'serverCpuList' | 'loadgenCpuList'>;
  /** The generator's threads by the run's CPU plan (default 1); a cell runs no more than it has connections, and a generator without threads runs one. */
  loadgenThreads?: number;
}

/** The threads a cell's generator runs: the plan's, within its connections and what the generator can (builtin: MAX_THREADS). */
export function cellThreads(ctx: Pick<CellContext, 'loadgen' | 'loadgenThreads' | 'settings'>, connections: number): number {
  // From load hosts, each host's segment has its share of the connections.
  const perHost = Math.floor(connections / (ctx.settings.loadgenHosts?.hosts.length ?? 1));
  return ctx.loadgen.threads ? Math.max(1, Math.min(ctx.loadgenThreads ?? 1, perHost, MAX_THREADS)) : 1;
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

/** A sample's fields (results/sample.ts), and none of what else a generator's report carries (builtin's histograms, say). */
const SAMPLE_FIELDS = Object.keys(loadSampleSchema.shape) as Array<keyof LoadSample>;

/** What a repetition is made from: the sample's own fields, taken by the schema rather than by each generator. */
function sampleOf(s: LoadSample): LoadSample {
  return Object.fromEntries(SAMPLE_FIELDS.filter((k) => k in s).map((k) => [k, s[k]])) as LoadSample;
}

/** Reads the server's CPU now (its process tree and, pinned, its CPUs), to subtract from a later reading. */
export function readServerCpu(pid: number, cpuList: readonly number[] | null): CpuReading {
  return readCpu(processTree(pid), cpuList);
}

/** What the server used between `before` and now. Workers that started in between (a replaced cluster worker) count from zero. */
export function serverCpuSince(before: CpuReading, pid: number, cpuList: readonly number[] | null): CpuSpan {
  return cpuSince(before, processTree(pid), cpuList);
}

export function cellKey(cell: Cell): CellKey {
  return { workload: cell.workload, connections: cell.connections, pipelining: cell.pipelining, workers: cell.workers ?? null };
}

/** A cell that could not be measured in full, with the repetitions that finished before. */
export function failedCell(key: CellKey, reason: string, repetitions: Repetition[]): FailedCell {
  return { ...key, workers: key.workers ?? null, status: 'failed', reason, repetitions, sweep: null };
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
  /** On another host: watches its CPU and memory there over a window (pid is then null here). */
  watch?: () => Promise<ServerWatch>;
}

/** A variant's server started by the harness, as measuring sees it. */
export function startedServer(variant: string, server: ServerProcess, serverCpus: number, where: ServerHost | null = null): MeasuredServer {
  // On another host, its CPU and memory are read there, from its /proc (server-watch.ts); its
  // CPUs there are not known here, so its capacity is its threads of JavaScript.
  const remotePid = server.remotePid;
  if (remotePid !== null && where !== null)
    return {
      origin: `http://${server.host}:${server.port}`,
      pid: null,
      capacity: serverCapacity(Number.POSITIVE_INFINITY, parseInfo(variant, server.output())),
      gone: () => server.exited(),
      watch: () => watchRemoteServer(where, remotePid),
    };
  return {
    origin: `http://${server.host}:${server.port}`,
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
    threads: cellThreads(ctx, cell.connections),
    ...observing(server.pid, ctx.pinning),
    ...(ctx.settings.loadgenHosts === null || ctx.settings.loadgenHosts === undefined ? {} : { hosts: ctx.settings.loadgenHosts }),
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
 * compilations and on the server's ramp to that rate measures neither (docs/load-generator.md, "Its open loop").
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
    let watch: ServerWatch | null = null;
    try {
      watch = server.watch === undefined ? null : await server.watch();
    } catch (e) {
      rss?.stop();
      return { reason: firstLine(e), repetitions };
    }
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
      await watch?.stop().catch(() => undefined);
      return { reason: `load generator failed: ${firstLine(e)}`, repetitions };
    }
    let watched: WatchReading | null = null;
    try {
      watched = watch === null ? null : await watch.stop();
    } catch (e) {
      return { reason: firstLine(e), repetitions };
    }
    const around: CpuSpan | null =
      watched !== null
        ? { userSec: watched.userSec, systemSec: watched.systemSec, cpuSec: watched.userSec + watched.systemSec, cpusBusySec: null, wallSec: watched.wallSec }
        : pid === null || before === null
          ? null
          : serverCpuSince(before, pid, cpuList);
    const peak = watched?.peakRssBytes ?? rss?.stop() ?? null;
    const { serverCpuSec, serverCpusBusySec, loadgenCpusBusySec, openLoop, routes, loadgenHosts, ...figures } = sampleOf(sample);
    // The generator's reading covers exactly the requests it counted.
    const cpuForRequests = serverCpuSec ?? (around === null ? null : around.userSec + around.systemSec);
    const serverShare = around === null || server.capacity === null ? null : serverCpuShare(sample, around, server.capacity);
    const threads = target.threads ?? 1;
    // From several hosts, the report's CPU is the busiest host's (hosts.ts): its share of its threads.
    const loadgenShare = loadgenCpuShare(
      sample,
      threads,
      loadgenHosts === undefined || loadgenHosts === null ? (target.loadgenCpuList?.length ?? threads) : threads,
    );
    repetitions.push({
      ...figures,
      loadgenThreads: threads,
      serverCpuUserSec: around?.userSec ?? null,
      serverCpuSystemSec: around?.systemSec ?? null,
      serverCpuUsPerRequest: sample.requests > 0 && cpuForRequests !== null ? (cpuForRequests * 1e6) / sample.requests : null,
      serverCpuShare: serverShare,
      serverPeakRssBytes: peak,
      loadgenCpuShare: loadgenShare,
      bottleneck: serverShare === null ? null : bottleneckOf(loadgenShare, serverShare),
      openLoop: openLoop === null || openLoop === undefined ? null : openLoopRecord(openLoop, sample.latencyMs.p99, loadgenShare),
      routes: routes ?? null,
      loadgenHosts: loadgenHosts ?? null,
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
    offeredRps: o.offeredRps,
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
