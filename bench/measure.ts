// Measuring one cell on a server that is up: a discarded warm-up, then repetitions with the load
// generator in a process of its own, and the server's CPU time and memory read from /proc around
// each. Every mode (the plain run, the A/B run, bench:cpu) measures through this.

import { performance } from 'node:perf_hooks';
import { firstLine } from '../shared/first-line.js';
import { parseInfo, type ServerInfo } from '../shared/serve-protocol.js';
import { cpuBusySeconds, isGone, PeakRss, type Pinning, processTree, type ServerProcess, treeCpuSeconds } from './lib/processes.js';
import type { LoadGenerator, LoadSample, LoadTarget } from './loadgen/types.js';
import type { Bottleneck, CellResult, FailedCell, OkCell, Repetition } from './results.js';
import { type Cell, type RunSettings, workloads } from './scenarios.js';
import { summarize } from './stats.js';

/**
 * A process at or above this share of the CPU it was given is saturated. A saturated load
 * generator with a server that is not makes the figures a floor (client-bound).
 */
export const SATURATED_SHARE = 0.9;

/** What measuring a cell needs besides the server. */
export interface CellContext {
  settings: Pick<RunSettings, 'warmupSec' | 'durationSec' | 'repetitions'>;
  loadgen: LoadGenerator;
  pinning: Pick<Pinning, 'loadgenPin' | 'serverCpus' | 'serverCpuList' | 'loadgenCpuList'>;
}

/** Where the generator runs, and what it needs to read the server's CPU and its own at its window's edges. */
export function observing(serverPid: number, p: CellContext['pinning']): Pick<LoadTarget, 'pin' | 'serverPid' | 'serverCpuList' | 'loadgenCpuList'> {
  return {
    pin: p.loadgenPin,
    serverPid,
    ...(p.serverCpuList === null ? {} : { serverCpuList: p.serverCpuList }),
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
 * How much of its CPU the load generator used: its own CPU time, or, pinned (builtin), how busy
 * its CPU was in the window (the kernel's work for its sockets included, as for the server) when
 * that is larger. Both readings are taken because neither is always the larger: /proc/stat counts
 * in clock ticks and has read 8% below the process's own exact time on this virtual machine.
 */
export function loadgenCpuShare(sample: LoadSample): number {
  const busy = sample.loadgenCpusBusySec;
  return Math.min(1, Math.max(sample.loadgenCpuSec, typeof busy === 'number' ? busy : 0) / sample.durationSec);
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
  return { ...key, status: 'failed', reason, repetitions };
}

export async function runCell(cell: Cell, server: ServerProcess, ctx: CellContext): Promise<CellResult> {
  const origin = `http://127.0.0.1:${server.port}`;
  const target = {
    origin,
    workload: workloads[cell.workload],
    connections: cell.connections,
    pipelining: cell.pipelining,
    ...observing(server.pid, ctx.pinning),
  };
  const capacity = serverCapacity(ctx.pinning.serverCpus, parseInfo(cell.variant, server.output()));
  const key = cellKey(cell);
  const crashed = () => server.exited() || isGone(server.pid);

  try {
    if (ctx.settings.warmupSec > 0) await ctx.loadgen.run({ ...target, durationSec: ctx.settings.warmupSec });
  } catch (e) {
    return failedCell(key, `warm-up failed: ${firstLine(e)}`, []);
  }
  if (crashed()) return failedCell(key, 'the server exited during warm-up', []);

  const repetitions: Repetition[] = [];
  for (let r = 0; r < ctx.settings.repetitions; r++) {
    const before = readServerCpu(server.pid, ctx.pinning.serverCpuList);
    const rss = new PeakRss(server.pid);
    rss.start();
    let sample: LoadSample;
    try {
      sample = await ctx.loadgen.run({ ...target, durationSec: ctx.settings.durationSec });
    } catch (e) {
      rss.stop();
      return failedCell(key, `load generator failed: ${firstLine(e)}`, repetitions);
    }
    const around = serverCpuSince(before, server.pid, ctx.pinning.serverCpuList);
    const peak = rss.stop();
    const { userSec: user, systemSec: system } = around;
    const { serverCpuSec, serverCpusBusySec, loadgenCpusBusySec, ...figures } = sample;
    // The generator's reading covers exactly the requests it counted.
    const cpuForRequests = serverCpuSec ?? user + system;
    const serverShare = serverCpuShare(sample, around, capacity);
    const loadgenShare = loadgenCpuShare(sample);
    repetitions.push({
      ...figures,
      serverCpuUserSec: user,
      serverCpuSystemSec: system,
      serverCpuUsPerRequest: sample.requests > 0 ? (cpuForRequests * 1e6) / sample.requests : null,
      serverCpuShare: serverShare,
      serverPeakRssBytes: peak,
      loadgenCpuShare: loadgenShare,
      bottleneck: bottleneckOf(loadgenShare, serverShare),
    });
    if (crashed()) return failedCell(key, 'the server exited during the run (crashed)', repetitions);
    if (sample.requests === 0) return failedCell(key, 'the server stopped answering: no request completed', repetitions);
  }

  return cellFromRepetitions(key, repetitions);
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
  const pick = (f: (r: Repetition) => number) => summarize(repetitions.map(f));
  const serverShare = summarizeSome(repetitions.map((r) => r.serverCpuShare));
  const each = repetitions.flatMap((r) => (r.serverCpuShare === null ? [] : [bottleneckOf(r.loadgenCpuShare, r.serverCpuShare)]));
  const bottleneck = each.length === 0 ? null : (BOTTLENECK_ORDER.find((b) => each.includes(b)) ?? null);
  return {
    ...key,
    status: 'ok',
    clientBound: bottleneck === null ? repetitions.some((r) => r.loadgenCpuShare >= SATURATED_SHARE) : bottleneck === 'loadgen',
    bottleneck,
    repetitions,
    summary: {
      requestsPerSec: pick((r) => r.requestsPerSec),
      latencyP50Ms: pick((r) => r.latencyMs.p50),
      latencyP99Ms: pick((r) => r.latencyMs.p99),
      latencyP99_9Ms: pick((r) => r.latencyMs.p99_9),
      serverCpuUsPerRequest: pick((r) => r.serverCpuUsPerRequest ?? 0),
      serverPeakRssBytes: pick((r) => r.serverPeakRssBytes),
      loadgenCpuShare: pick((r) => r.loadgenCpuShare),
      serverCpuShare: serverShare,
      fairnessJain: summarizeSome(repetitions.map((r) => r.fairness?.jain)),
      firstResponseP99Ms: summarizeSome(repetitions.map((r) => r.firstResponseMs?.p99)),
      firstResponseMaxMs: summarizeSome(repetitions.map((r) => r.firstResponseMs?.max)),
      errors: repetitions.reduce((n, r) => n + r.errors + r.timeouts + r.resets, 0),
    },
  };
}
