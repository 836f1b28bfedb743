// When the load generator, not the server, decided a measurement: it used up its CPU, or (open
// loop) its own delays made the tail. One rule for the harness (measure.ts), the sweep's analysis
// (capacity.ts) and the reports alike.

import type { ServerInfo } from '../../shared/serve-protocol.js';
import type { CpuSpan } from '../lib/cpu-window.js';
import type { LoadSample, OpenLoopStats } from '../loadgen/types.js';
import type { Bottleneck, GeneratorBound, Repetition } from '../results/results.js';
import { SATURATED_SHARE } from '../results/sample.js';

export { SATURATED_SHARE };

/**
 * The generator's delays made the tail when the p99 of the requests it did not hold up is at most
 * this share of the p99 of all: without them the tail would be a third shorter or more.
 */
export const HELD_TAIL_SHARE = 2 / 3;

/** ... and they added at least this much to it, in ms (a tail of tenths of a millisecond is no one's). */
export const HELD_TAIL_MIN_MS = 2;

/** Why the generator bound a measurement, as reports and compare say it. */
export const GENERATOR_BOUND_NOTE: Record<GeneratorBound, string> = {
  saturated: 'the load generator used up its CPU',
  delayed: "the load generator's own delays made the tail",
};

/**
 * How much of its CPU the load generator used: its own CPU time over its `threads` (each could
 * use one CPU), or, pinned (builtin), how busy its `cpus` were in the window (the kernel's work for its sockets included, as for the server) when
 * that is larger. Both readings are taken because neither is always the larger: /proc/stat counts
 * in clock ticks and has read 8% below the process's own exact time on this virtual machine.
 */
export function loadgenCpuShare(sample: LoadSample, threads = 1, cpus = threads): number {
  const busy = sample.loadgenCpusBusySec;
  const own = sample.loadgenCpuSec / threads;
  return Math.min(1, Math.max(own, typeof busy === 'number' ? busy / cpus : 0) / Math.max(sample.durationSec, 1e-9));
}

/** The load generator used up its CPU in this repetition. */
export function generatorSaturated(r: Pick<Repetition, 'loadgenCpuShare'>): boolean {
  return r.loadgenCpuShare >= SATURATED_SHARE;
}

/** What the rule reads of an open-loop repetition. */
export interface GeneratorFigures {
  loadgenCpuShare: number;
  /** p99 of every request due in the window, from its due time. */
  p99Ms: number;
  /** Share of those the generator held up: taken off its schedule over 2 ms late, its loop busy or stalled (engine.ts). */
  heldUpShare: number;
  /** p99 of the others; null when there were none. */
  notHeldP99Ms: number | null;
}

/** What the rule reads, from what the generator reported of an open-loop run, its p99 and its CPU share. */
export function openLoopFigures(o: Pick<OpenLoopStats, 'due' | 'heldUp' | 'notHeldLatencyMs'>, p99Ms: number, loadgenCpuShare: number): GeneratorFigures {
  const heldUpShare = o.due > 0 ? Math.min(1, o.heldUp / o.due) : 0;
  return { loadgenCpuShare, p99Ms, heldUpShare, notHeldP99Ms: o.due > 0 && o.heldUp >= o.due ? null : o.notHeldLatencyMs.p99 };
}

/**
 * Why the generator, not the server, made an open-loop repetition's figures, or null when it did
 * not. `saturated`: it used up its CPU. `delayed`: the requests it held up (due while its loop was
 * busy or stalled, so taken off its schedule over 2 ms late) make the tail, as the p99 of the
 * rest shows: at most two thirds of the whole, and at least 2 ms below it, or nothing left at all.
 *
 * Decided from runs of cbench load against nginx on the 2-core development VM (docs/load-generator.md, "Its open
 * loop"): at 40,000 req/s, its loop stalled up to 9 ms, a p99 of 9.0 ms of which the 98% of
 * requests it did not hold up had 5.0 ms (delayed); at 26,779 req/s, 3.9 ms against 3.2 (not); a
 * server that stalls 50 ms every 500 ms, at 5,000 req/s, a p99 of 47.5 ms, and 47.5 ms without the
 * 0.5% held up (the server's); a generator that fell behind at 40,000 req/s in one of the VM's
 * slow phases used 98% of its CPU (saturated).
 */
export function generatorBoundOf(f: GeneratorFigures): GeneratorBound | null {
  if (f.loadgenCpuShare >= SATURATED_SHARE) return 'saturated';
  if (f.heldUpShare <= 0) return null;
  if (f.notHeldP99Ms === null) return 'delayed';
  return f.notHeldP99Ms <= f.p99Ms * HELD_TAIL_SHARE && f.p99Ms - f.notHeldP99Ms >= HELD_TAIL_MIN_MS ? 'delayed' : null;
}

/** Why the generator bound an open-loop repetition, as recorded; a closed loop's or an old file's, by its CPU alone. */
export function repetitionBound(r: Pick<Repetition, 'loadgenCpuShare' | 'openLoop'>): GeneratorBound | null {
  return r.openLoop?.generatorBound ?? (generatorSaturated(r) ? 'saturated' : null);
}

/**
 * How much of what it could use the server used, 1 at most. Pinned, by how busy its CPUs were
 * (the kernel's packet work for its sockets runs there and is charged to no process); not pinned,
 * by its own CPU time, as its CPUs are shared with the generator. The generator's reading of its
 * exact window is preferred; the harness's reading around the run is diluted by the generator's
 * start-up and connection set-up.
 */
export function serverCpuShare(sample: LoadSample, around: CpuSpan, capacity: number): number {
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
