// Segments of a load run, after k6's execution segments: a run cut into disjoint parts that,
// run side by side (in threads, processes or machines), send together exactly what the whole
// run would. A segment is a half-open range [from, to) of [0, 1), written `1/4:2/4`, `0.25:0.5`
// or `25%:50%`.
//
// - Connections: the whole run's C connections are numbered 0..C-1, and a segment keeps those from
//   floor(C × from) to floor(C × to), each with its number, so a connection's seeded mix draws are
//   the same whoever runs it.
// - A request count R is cut the same way: floor(R × to) - floor(R × from).
// - The open loop's schedule: the whole run's arrivals are numbered k = 0, 1, 2, ..., and arrival
//   k belongs to the segment holding frac(k × φ), φ the golden ratio's fractional part (a Weyl
//   sequence). Which segment an arrival belongs to depends only on k and the segment's bounds,
//   not on how the run was cut: segments that cover [0, 1) without overlap take every arrival
//   exactly once, however many there are and however their bounds are written down, and each
//   takes its share of any stretch of the schedule to within a few arrivals (the sequence is
//   equidistributed with a discrepancy of O(log n) in n terms), spread through it rather than in
//   blocks.
//
// A bound is kept as the fraction it was written as (0.25 is 25/100, 12.5% is 125/1000), and the
// cuts are computed in whole numbers from it: floor(C × 1/49) of 49 connections is 1, where the
// floating-point product 49 × (1/49) would floor to 0. Segments that are to make up one run must
// share their bounds as numbers (1/3 and 2/6 are the same bound; 0.333 is another).

import type { Schedule } from './schedule.js';

/** A bound of a segment: the fraction num / den of [0, 1], in whole numbers. */
export interface Bound {
  num: number;
  den: number;
}

/** [from, to) of a run, 0 <= from < to <= 1, and how it was written. */
export interface Segment {
  from: Bound;
  to: Bound;
  text: string;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
/** num / den in lowest terms. */
function bound(num: number, den: number): Bound {
  const g = gcd(num, den) || 1;
  return { num: num / g, den: den / g };
}

/** A bound's value, the same double for the same fraction however it was written (division is correctly rounded). */
export const boundValue = (b: Bound): number => b.num / b.den;

/** `1/4`: a bound as a fraction. */
export const boundText = (b: Bound): string => `${b.num}/${b.den}`;

/** `1/4:1/2`, or with another separator (`1/4–1/2` in prose): a segment by its bounds. */
export const rangeText = (s: Pick<Segment, 'from' | 'to'>, between = ':'): string => `${boundText(s.from)}${between}${boundText(s.to)}`;

/** The whole run. */
export const WHOLE: Segment = { from: { num: 0, den: 1 }, to: { num: 1, den: 1 }, text: '0:1' };

/** φ - 1: the fractional part of the golden ratio. */
const PHI = 0.6180339887498949;

/** A bound: `n/d`, a decimal, or a percentage; undefined when it is none of them. */
function parseBound(s: string): Bound | undefined {
  const t = s.trim();
  let m = /^(\d+)\/(\d+)$/.exec(t);
  if (m !== null) return Number(m[2]) === 0 ? undefined : bound(Number(m[1]), Number(m[2]));
  m = /^(\d+)(?:\.(\d+))?(%?)$/.exec(t);
  if (m === null) return undefined;
  const decimals = m[2] ?? '';
  const den = 10 ** decimals.length * (m[3] === '%' ? 100 : 1);
  if (!Number.isSafeInteger(den)) return undefined;
  return bound(Number(`${m[1]}${decimals}`), den);
}

/** `1/4:2/4`, `0.25:0.5` or `25%:50%`; a lone bound `1/4` is `0:1/4`, as in k6. Throws an Error that says what is wrong. */
export function parseSegment(text: string): Segment {
  const parts = text.split(':');
  if (parts.length > 2 || text.trim() === '') throw new Error(`segment ${JSON.stringify(text)}: expected FROM:TO, e.g. 1/4:2/4, 0.25:0.5 or 25%:50%`);
  const [a, b] = parts.length === 1 ? ['0', parts[0] ?? ''] : [parts[0] ?? '', parts[1] ?? ''];
  const from = parseBound(a);
  const to = parseBound(b);
  if (from === undefined || to === undefined) throw new Error(`segment ${JSON.stringify(text)}: each bound is n/d, a decimal or a percentage`);
  if (!(from.num * to.den < to.num * from.den && to.num <= to.den)) throw new Error(`segment ${JSON.stringify(text)}: needs 0 <= FROM < TO <= 1`);
  return { from, to, text };
}

/** The segment's k-th of n equal parts (k from 0), its bounds exact. */
export function partOf(s: Pick<Segment, 'from' | 'to'>, k: number, n: number): Segment {
  // from + (to - from) × k / n, over the common denominator.
  const at = (i: number) => {
    const den = s.from.den * s.to.den * n;
    return bound(s.from.num * s.to.den * n + (s.to.num * s.from.den - s.from.num * s.to.den) * i, den);
  };
  const from = at(k);
  const to = at(k + 1);
  return { from, to, text: rangeText({ from, to }) };
}

/** The n equal segments of a run: 0/n:1/n, 1/n:2/n, ... */
export function equalSegments(n: number): Segment[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`equalSegments: n must be a whole number of at least 1, got ${n}`);
  return Array.from({ length: n }, (_, i) => partOf(WHOLE, i, n));
}

/** The segment's part of `total` things numbered 0..total-1 (connections, or a request count): [lo, hi), in whole numbers. */
export function shareOf(total: number, s: Pick<Segment, 'from' | 'to'>): { lo: number; hi: number } {
  return { lo: Math.floor((total * s.from.num) / s.from.den), hi: Math.floor((total * s.to.num) / s.to.den) };
}

/** The segment's share of [0, 1]: to - from. */
export const widthOf = (s: Pick<Segment, 'from' | 'to'>): number => boundValue(s.to) - boundValue(s.from);

/** Whether the whole run's arrival number k belongs to the segment. */
export function holdsArrival(k: number, s: Pick<Segment, 'from' | 'to'>): boolean {
  const u = (k * PHI) % 1;
  return u >= boundValue(s.from) && u < boundValue(s.to);
}

/**
 * The arrivals of `whole` that belong to the segment, in order; the whole schedule itself for the
 * whole run. Each segment walks the whole schedule to find its own (N threads walk it N times:
 * a few ns an arrival).
 */
export function segmentSchedule(whole: Schedule, s: Pick<Segment, 'from' | 'to'>): Schedule {
  if (s.from.num === 0 && s.to.num === s.to.den) return whole;
  // holdsArrival's test, its bounds worked out once rather than per arrival.
  const lo = boundValue(s.from);
  const hi = boundValue(s.to);
  let k = 0;
  return {
    next: () => {
      for (;;) {
        const t = whole.next();
        const u = (k++ * PHI) % 1;
        if (u >= lo && u < hi) return t;
      }
    },
  };
}
