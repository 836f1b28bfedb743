// The CPU a window of time used, read from /proc: a process tree's CPU time and, when given, how
// busy some CPUs were. One reader for the load generator, which reads the server's at its exact
// window's edges, and for the harness, which reads it around a whole run.

import { performance } from 'node:perf_hooks';
import { cpuBusySeconds, treeCpuSeconds } from './processes.js';

/** A reading to subtract from a later one. */
export interface CpuReading {
  /** The processes' CPU seconds, in user space and in the kernel (0 and 0 for no processes). */
  user: number;
  system: number;
  /** Seconds the CPUs were busy; null when none were given. */
  cpusBusySec: number | null;
  /** performance.now() when read. */
  at: number;
}

/** What was used between two readings. */
export interface CpuSpan {
  /** The processes' CPU seconds, in user space and in the kernel, each at least 0. */
  userSec: number;
  systemSec: number;
  /** Their sum's change, at least 0 (a process that exits takes its time with it). */
  cpuSec: number;
  /** Seconds the CPUs were busy; null when none were given. */
  cpusBusySec: number | null;
  wallSec: number;
}

/** Reads the CPU time of `pids` (null: none) and, when given, how busy `cpuList` was, now. */
export function readCpu(pids: readonly number[] | null, cpuList: readonly number[] | null): CpuReading {
  const tree = pids === null ? { user: 0, system: 0 } : treeCpuSeconds(pids);
  return { ...tree, cpusBusySec: cpuList === null ? null : cpuBusySeconds(cpuList), at: performance.now() };
}

/** What `pids` and `cpuList` used since `before` (read with the same CPUs). */
export function cpuSince(before: CpuReading, pids: readonly number[] | null, cpuList: readonly number[] | null): CpuSpan {
  const now = readCpu(pids, cpuList);
  return {
    userSec: Math.max(0, now.user - before.user),
    systemSec: Math.max(0, now.system - before.system),
    cpuSec: Math.max(0, now.user + now.system - before.user - before.system),
    cpusBusySec: now.cpusBusySec === null || before.cpusBusySec === null ? null : Math.max(0, now.cpusBusySec - before.cpusBusySec),
    wallSec: (now.at - before.at) / 1000,
  };
}
