// How a capacity table's cells read, in report.md, report.html, the terminal and the findings
// alike: one place, so they agree.

import { KEEP_UP_TOLERANCE } from '../analysis/capacity.js';
import { formatInt as int } from '../lib/format.js';
import type { RatePoint, Sweep } from '../results/results.js';
import type { CapacityRow, LatencyAt } from './model.js';

/** What capacity means, as every report says it: the highest offered rate kept up with, and what keeping up is. */
export const CAPACITY_DEFINITION =
  `the highest offered rate kept up with: served within ${Math.round(KEEP_UP_TOLERANCE * 100)}% of the requests that came due in the window, ` +
  'without errors or non-2xx answers, p99 within the objective, and every lower rate too';

/** A latency in ms: one decimal below 100, whole from there. */
export const ms = (x: number) => (x >= 100 ? int(x) : x.toFixed(1));

/** An objective as given: 10, or 2.5. */
export const objectiveMs = (x: number) => (Number.isInteger(x) ? int(x) : String(x));

/** A capacity range as `45,000–55,000`, or `45,000 or more` when no rate swept was above it. */
export const rangeText = (r: { lo: number; hi: number }) => (r.hi === Number.POSITIVE_INFINITY ? `${int(r.lo)} or more` : `${int(r.lo)}–${int(r.hi)}`);

/** The measured point of a sweep at an offered rate. */
export function pointAt(s: Sweep, offeredRps: number): RatePoint | undefined {
  return s.points.find((p) => p.offeredRps === offeredRps);
}

/** Why a point missed, with its numbers: `served 50,000, p99 400 ms, 3 errors`. */
export function missDetail(p: RatePoint, why: readonly string[]): string {
  const parts: string[] = [];
  if (why.includes('behind')) parts.push(`served ${int(p.summary.requestsPerSec.median)}`);
  if (why.includes('slo')) parts.push(`p99 ${ms(p.summary.latencyP99Ms.median)} ms`);
  if (why.includes('errors')) parts.push(`${p.summary.errors} errors`);
  return parts.join(', ');
}

/**
 * `45,000`; `none kept up`; `≥45,000` when the load generator explained the first miss (a floor:
 * at least that much); `15,000*` when a higher rate kept up again (noisy); `—` when the sweep did
 * not finish.
 */
export function capacityText(r: CapacityRow): string {
  if (r.capacityRps === undefined) return '—';
  if (r.capacityRps === null) return `none kept up${r.recoveredAfterMiss ? '*' : ''}`;
  return `${r.generatorBoundAtMiss === null ? '' : '≥'}${int(r.capacityRps)}${r.recoveredAfterMiss ? '*' : ''}`;
}

/** The first miss, `55,000: served 50,000, p99 400 ms`, `(the generator's)` when it explained it; `none` when every rate kept up. */
export function firstMissText(r: CapacityRow): string {
  if (r.sweep === undefined || r.firstMiss === undefined) return '—';
  if (r.firstMiss === null) return 'none';
  const p = pointAt(r.sweep, r.firstMiss.offeredRps);
  const whose = r.generatorBoundAtMiss === null ? '' : " (the generator's)";
  return `${int(r.firstMiss.offeredRps)}${p === undefined ? '' : `: ${missDetail(p, r.firstMiss.why)}`}${whose}`;
}

/** `plateau 50,000 → 50,000` (req/s at the peak → at the highest rate); `not reached` when it never fell behind. */
export function pastSaturationText(r: CapacityRow): string {
  if (r.pastSaturation === undefined) return '—';
  return r.pastSaturation === null ? 'not reached' : `${r.pastSaturation.shape} ${int(r.pastSaturation.peakRps)} → ${int(r.pastSaturation.lastRps)}`;
}

/** p50 / p99 in ms at a rate, `1.1 / 4.3`. */
export const latencyText = (l: LatencyAt | undefined) => (l === undefined ? '—' : `${l.p50Ms.toFixed(1)} / ${l.p99Ms.toFixed(1)}`);

/** The legend of the marks capacityText puts on a figure. */
export const CAPACITY_MARKS = {
  recovered: '* kept up again above its first miss: noisy, or rates too coarse',
  floor:
    '≥ capacity at least this: the load generator, not the server, explained the first miss (it used up its CPU, or its own delays made the tail ' +
    'while the requests it did not hold up kept to the objective); the generator could not offer more here',
} as const;
