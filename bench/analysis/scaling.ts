// Worker-count scaling: for each model with workers, how its throughput grows from 1 worker to
// k, against the ideal (k times its throughput at 1), where it stops growing as it should, and
// what the figures at that point say about why: the load generator, CPUs the work did not reach,
// or a cost per request that grew with the workers (the pool's hand-over, the kernel's share).

import { measurableWorkers } from '../plan/scenarios.js';
import { cellsOf, type OkCell, type Results } from '../results/results.js';
import { SATURATED_SHARE } from './saturation.js';

/** Below this efficiency a model has stopped scaling: k workers give less than 80% of k times one. */
export const SCALING_EFFICIENCY_MIN = 0.8;
/**
 * Not pinned, the workers and the generator together using this share of the machine's CPUs kept
 * it busy: the processes' own CPU time misses the kernel's packet work, charged to no process
 * (about a fifth of a CPU at 50,000 req/s on loopback, docs/running.md), so the mark is below 90%.
 */
export const MACHINE_BUSY = 0.8;
/** A cost per request this much above its 1-worker value grew with the workers. */
export const COST_GROWTH = 1.15;

/** One worker count of a model on a workload. */
export interface ScalingPoint {
  workers: number;
  rps: { median: number; min: number; max: number };
  /** k × the throughput at 1 worker; null without a 1-worker point. */
  idealRps: number | null;
  /** Throughput ÷ ideal; null without a 1-worker point. */
  efficiency: number | null;
  cpuUsPerRequest: number | null;
  /** The kernel's share of the server's CPU (system ÷ user + system); null when unknown. */
  kernelShare: number | null;
  serverCpuShare: number | null;
  /** Peak RSS of the server's processes ÷ workers, in bytes. */
  rssPerWorkerBytes: number | null;
  clientBound: boolean;
  /** CPUs' worth the load generator used (its share × its threads). */
  loadgenCpus: number;
}

/** Why a model stopped scaling at a point, as the figures there say it. */
export type StopReason =
  | { kind: 'generator' }
  | { kind: 'shared'; loadgenCpus: number; machineBusy: number; cpus: number }
  | { kind: 'idle-cpus'; serverCpuShare: number }
  | { kind: 'cost'; fromUs: number; toUs: number; kernelFrom: number | null; kernelTo: number | null }
  | { kind: 'unexplained' };

/** A model's curve on one workload, and where it stopped scaling. */
export interface ScalingCurve {
  workload: string;
  variant: string;
  points: ScalingPoint[];
  /** The first count whose efficiency fell below the mark, and why; null when none did (or there is no 1-worker point). */
  stop: { workers: number; efficiency: number; why: StopReason } | null;
}

/** What a scaling run measured: every curve, the single-event-loop reference per workload, and the counts left out. */
export interface Scaling {
  curves: ScalingCurve[];
  /** Per workload, the throughput of the models without workers (single-loop): the one-core reference. */
  reference: Array<{ workload: string; variant: string; rps: number }>;
  /** Counts asked for but not measured here (more than the server's CPUs). */
  notMeasurable: number[];
  /** The server's CPUs in the plan; null in files without one. */
  serverCpus: number | null;
  pinned: boolean | null;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function pointOf(c: OkCell, workers: number, atOne: number | null): ScalingPoint {
  const s = c.summary;
  const user = sum(c.repetitions.map((r) => r.serverCpuUserSec ?? 0));
  const system = sum(c.repetitions.map((r) => r.serverCpuSystemSec ?? 0));
  const known = c.repetitions.every((r) => r.serverCpuUserSec !== null && r.serverCpuSystemSec !== null) && user + system > 0;
  const ideal = atOne === null ? null : workers * atOne;
  return {
    workers,
    rps: s.requestsPerSec,
    idealRps: ideal,
    efficiency: ideal === null || ideal <= 0 ? null : s.requestsPerSec.median / ideal,
    cpuUsPerRequest: s.serverCpuUsPerRequest?.median ?? null,
    kernelShare: known ? system / (user + system) : null,
    serverCpuShare: s.serverCpuShare?.median ?? null,
    rssPerWorkerBytes: s.serverPeakRssBytes === null ? null : s.serverPeakRssBytes.median / workers,
    clientBound: c.clientBound,
    loadgenCpus: s.loadgenCpuShare.median * (c.repetitions[0]?.loadgenThreads ?? 1),
  };
}

/**
 * Why the curve stopped at `p`: the generator first (its figures are floors; not pinned, it took
 * the CPUs the workers lacked: the two together kept the machine busy), then CPUs left idle,
 * then a cost per request that grew. `unpinned`: the machine's CPUs when the run was not pinned.
 */
export function stopReason(p: ScalingPoint, one: ScalingPoint, unpinned: { cpus: number } | null): StopReason {
  if (p.clientBound) return { kind: 'generator' };
  const busy = p.serverCpuShare === null ? null : p.serverCpuShare * p.workers + p.loadgenCpus;
  if (unpinned !== null && busy !== null && p.serverCpuShare !== null && p.serverCpuShare < SATURATED_SHARE && busy >= MACHINE_BUSY * unpinned.cpus)
    return { kind: 'shared', loadgenCpus: p.loadgenCpus, machineBusy: busy / unpinned.cpus, cpus: unpinned.cpus };
  if (p.serverCpuShare !== null && p.serverCpuShare < SATURATED_SHARE) return { kind: 'idle-cpus', serverCpuShare: p.serverCpuShare };
  if (p.cpuUsPerRequest !== null && one.cpuUsPerRequest !== null && p.cpuUsPerRequest >= one.cpuUsPerRequest * COST_GROWTH)
    return { kind: 'cost', fromUs: one.cpuUsPerRequest, toUs: p.cpuUsPerRequest, kernelFrom: one.kernelShare, kernelTo: p.kernelShare };
  return { kind: 'unexplained' };
}

/** A run's scaling figures at one connection count and pipelining depth; null when it measured no variant at more than one chosen worker count. */
export function scalingOf(r: Results, at: { connections: number; pipelining: number }): Scaling | null {
  const curves: ScalingCurve[] = [];
  const reference: Scaling['reference'] = [];
  for (const v of r.variants) {
    const cells = cellsOf(v).filter((c): c is OkCell => c.status === 'ok' && c.connections === at.connections && c.pipelining === at.pipelining);
    for (const workload of r.settings.workloads) {
      const mine = cells.filter((c) => c.workload === workload);
      const counted = mine.filter((c): c is OkCell & { workers: number } => c.workers !== null).sort((a, b) => a.workers - b.workers);
      if (counted.length === 0) {
        const only = mine[0];
        if (only !== undefined && v.model === 'event-loop') reference.push({ workload, variant: v.name, rps: only.summary.requestsPerSec.median });
        continue;
      }
      const one = counted.find((c) => c.workers === 1);
      const points = counted.map((c) => pointOf(c, c.workers, one?.summary.requestsPerSec.median ?? null));
      const first = points[0] as ScalingPoint;
      const below = points.find((p) => p.efficiency !== null && p.efficiency < SCALING_EFFICIENCY_MIN);
      curves.push({
        workload,
        variant: v.name,
        points,
        stop:
          below === undefined || first.workers !== 1
            ? null
            : {
                workers: below.workers,
                efficiency: below.efficiency as number,
                why: stopReason(below, first, r.environment.cpuPlan?.pinned === false ? { cpus: r.environment.cpuPlan.cpus } : null),
              },
      });
    }
  }
  const asked = r.settings.workers;
  const plan = r.environment.cpuPlan;
  const notMeasurable = plan === null ? [] : measurableWorkers(asked, plan.server).notMeasurable;
  if (curves.length === 0 && notMeasurable.length === 0) return null;
  if (!r.settings.scaling && (asked === null || asked.length < 2)) return null;
  return { curves, reference, notMeasurable, serverCpus: plan?.server ?? null, pinned: plan?.pinned ?? null };
}
