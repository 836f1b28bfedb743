// Capacity at a latency objective, from an open-loop sweep. A point is one offered rate; the
// server "keeps up" at it when it answers about as fast as it is asked, without errors, and its
// p99 stays within the objective. A first miss that the load generator explains (it used up its
// CPU, or its own delays made the tail) makes the capacity a floor: at least that much. Past the
// knee, the shape of achieved throughput says whether a model plateaus (it serves what it can,
// the rest waits) or collapses (it serves less the more it is asked), which is where the classic
// comparisons of server architectures differ.

import { summarize } from '../lib/stats.js';
import type { GeneratorBound, RatePoint, Repetition, Sweep } from '../results/results.js';
import { repetitionBound } from './saturation.js';

const median = (xs: number[]) => (xs.length === 0 ? 0 : summarize(xs).median);

/** One offered rate of a sweep, as measured (medians over its repetitions). */
export interface SweepPoint {
  offeredRps: number;
  /**
   * The rate the arrivals actually came due at in the window (requests due ÷ window), which
   * Poisson arrivals spread around the offered rate (by 1/√due: ±7% at 200 requests); achieved
   * is judged against it. The offered rate when not known.
   */
  scheduledRps?: number;
  achievedRps: number;
  p99Ms: number;
  /** Errors, timeouts, resets and non-2xx answers (a server shedding load with fast 503s is not keeping up). */
  errors: number;
}

/** Why a point does not count as keeping up. */
export type Miss = 'behind' | 'slo' | 'errors';

/** What a sweep says about a server. */
export interface Capacity {
  /** The highest offered rate kept up with, every lower one kept up with too; null when none was. */
  capacityRps: number | null;
  /** The first point, by offered rate, that missed, and why; null when none did. */
  firstMiss: { offeredRps: number; why: Miss[] } | null;
  /** Some point above the first miss kept up again: noise, or a sweep too coarse to trust. */
  recoveredAfterMiss: boolean;
  /** Past the knee: plateau, collapse, or null when the sweep never went past it. */
  pastSaturation: { shape: 'plateau' | 'collapse'; peakRps: number; lastRps: number } | null;
}

/** Achieved within this share of offered counts as keeping up (the 1%). */
export const KEEP_UP_TOLERANCE = 0.01;
/** Throughput past the knee falling below this share of its peak is a collapse. */
export const COLLAPSE_SHARE = 0.8;

/** Served less than was asked of it in the window, beyond the tolerance. */
export function behind(p: SweepPoint): boolean {
  return p.achievedRps < (p.scheduledRps ?? p.offeredRps) * (1 - KEEP_UP_TOLERANCE);
}

/** The ways a point misses, empty when it keeps up. */
export function missesOf(p: SweepPoint, sloP99Ms: number): Miss[] {
  const why: Miss[] = [];
  if (behind(p)) why.push('behind');
  if (p.p99Ms > sloP99Ms) why.push('slo');
  if (p.errors > 0) why.push('errors');
  return why;
}

/**
 * The capacity of a sweep at an objective. A capacity is a rate the server can be trusted with,
 * so a miss at a lower rate caps it even if a higher rate then kept up (that is reported, as the
 * sweep is then noisy or too coarse).
 */
export function capacityOf(points: readonly SweepPoint[], sloP99Ms: number): Capacity {
  if (!(sloP99Ms > 0)) throw new Error(`capacityOf: the objective must be above 0 ms, got ${sloP99Ms}`);
  const sorted = [...points].sort((a, b) => a.offeredRps - b.offeredRps);
  let capacityRps: number | null = null;
  let firstMiss: Capacity['firstMiss'] = null;
  let recoveredAfterMiss = false;
  for (const p of sorted) {
    const why = missesOf(p, sloP99Ms);
    if (firstMiss === null) {
      if (why.length === 0) capacityRps = p.offeredRps;
      else firstMiss = { offeredRps: p.offeredRps, why };
    } else if (why.length === 0) {
      recoveredAfterMiss = true;
    }
  }
  return { capacityRps, firstMiss, recoveredAfterMiss, pastSaturation: shapePastSaturation(sorted) };
}

/**
 * Past the knee (the first point that fell behind), compare the last point's achieved rate with
 * the best achieved anywhere: a server that keeps serving near its best plateaus; one that serves
 * much less when asked for more collapses.
 */
function shapePastSaturation(sorted: readonly SweepPoint[]): Capacity['pastSaturation'] {
  const knee = sorted.findIndex(behind);
  const last = sorted.at(-1);
  if (knee === -1 || last === undefined) return null;
  const peakRps = Math.max(...sorted.map((p) => p.achievedRps));
  return { shape: last.achievedRps < peakRps * COLLAPSE_SHARE ? 'collapse' : 'plateau', peakRps, lastRps: last.achievedRps };
}

/** Requests a repetition failed: errors, timeouts, resets and non-2xx answers. */
const failures = (r: Repetition) => r.errors + r.timeouts + r.resets + r.non2xx;

/** The rate a repetition's arrivals came due at; its offered rate when it did not say. */
const scheduled = (offeredRps: number, r: Repetition) => (r.openLoop === null || r.openLoop.due === 0 ? offeredRps : r.openLoop.due / r.durationSec);

/** A repetition as a point: what it achieved against its own schedule, its p99 and its failures. */
function observed(offeredRps: number, r: Repetition): SweepPoint {
  return { offeredRps, scheduledRps: scheduled(offeredRps, r), achievedRps: r.requestsPerSec, p99Ms: r.latencyMs.p99, errors: failures(r) };
}

/** A measured point as capacityOf reads it: medians over its repetitions, failures summed. */
export function observedOf(p: RatePoint): SweepPoint {
  return {
    offeredRps: p.offeredRps,
    scheduledRps: median(p.repetitions.map((r) => scheduled(p.offeredRps, r))),
    achievedRps: p.summary.requestsPerSec.median,
    p99Ms: p.summary.latencyP99Ms.median,
    errors: p.repetitions.reduce((n, r) => n + failures(r), 0),
  };
}

/**
 * Where a cell's capacity lies: from the lowest capacity any repetition reached alone to the next
 * rate swept above the highest (open, Infinity, when none was above: every rate kept up). Two
 * capacities whose ranges overlap cannot be told apart by the sweep.
 */
export function capacityRange(capacityRps: number | null, sweep: Pick<Sweep, 'capacityByRepetition' | 'points'>): { lo: number; hi: number } {
  const all = [capacityRps, ...sweep.capacityByRepetition].map((x) => x ?? 0);
  const top = Math.max(...all);
  const above = sweep.points.map((p) => p.offeredRps).filter((x) => x > top);
  return { lo: Math.min(...all), hi: above.length === 0 ? Number.POSITIVE_INFINITY : Math.min(...above) };
}

/** Whether two capacity ranges share any rate. */
export function rangesOverlap(a: { lo: number; hi: number }, b: { lo: number; hi: number }): boolean {
  return a.lo < b.hi && b.lo < a.hi;
}

/** What a measured sweep says: its capacity, and the analysis results.json keeps beside the points. */
export function analyseSweep(
  points: readonly RatePoint[],
  sloP99Ms: number,
): { capacityRps: number | null } & Pick<Sweep, 'firstMiss' | 'recoveredAfterMiss' | 'generatorBoundAtMiss' | 'pastSaturation' | 'capacityByRepetition'> {
  const { capacityRps, firstMiss, recoveredAfterMiss, pastSaturation } = capacityOf(points.map(observedOf), sloP99Ms);
  const missed = firstMiss === null ? undefined : points.find((p) => p.offeredRps === firstMiss.offeredRps);
  const generatorBoundAtMiss = missed === undefined || firstMiss === null ? null : generatorBoundAt(missed, firstMiss.why, sloP99Ms);
  // Each repetition index on its own (every point's first repetition, then every point's second,
  // ...): as many capacities as repetitions, the spread a comparison of two runs tests.
  const count = Math.min(...points.map((p) => p.repetitions.length));
  const capacityByRepetition = Array.from(
    { length: points.length === 0 ? 0 : count },
    (_, i) =>
      capacityOf(
        points.map((p) => observed(p.offeredRps, p.repetitions[i] as Repetition)),
        sloP99Ms,
      ).capacityRps,
  );
  return { capacityRps, firstMiss, recoveredAfterMiss, generatorBoundAtMiss, pastSaturation, capacityByRepetition };
}

/**
 * Whether a point that missed measured the generator rather than the server: in some repetition
 * the generator used up its CPU; or its delays made the tail (saturation.ts) and, without the
 * requests it held up, the point kept to the objective. Not when the server fell behind or
 * failed requests: a late generator sends late, it does not make a server answer less or fail.
 * When the generator held up every request, nothing is left to judge the server by, and the
 * generator is what the point measured. Such a miss ends the sweep's capacity as a floor: the
 * server may take more, the generator could not offer it here.
 */
export function generatorBoundAt(p: RatePoint, why: readonly Miss[], sloP99Ms: number): GeneratorBound | null {
  const bound = p.repetitions.map(repetitionBound);
  if (bound.includes('saturated')) return 'saturated';
  if (!bound.includes('delayed') || why.includes('errors') || why.includes('behind')) return null;
  const rest = p.repetitions.map((r) => (r.openLoop?.heldUpShare === 1 ? 0 : (r.openLoop?.notHeldP99Ms ?? r.latencyMs.p99)));
  return median(rest) <= sloP99Ms ? 'delayed' : null;
}
