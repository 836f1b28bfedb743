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
// Segments that are to make up one run must write a bound they share the same way (1/3, not
// 0.333 in one and 1/3 in the other): the cut is computed from the number.

import type { Schedule } from './schedule.js';

/** [from, to) of a run, 0 <= from < to <= 1, and how it was written. */
export interface Segment {
  from: number;
  to: number;
  text: string;
}

/** The whole run. */
export const WHOLE: Segment = { from: 0, to: 1, text: '0:1' };

/** φ - 1: the fractional part of the golden ratio. */
const PHI = 0.6180339887498949;

/** A bound: `n/d`, a decimal, or a percentage. */
function parseBound(s: string): number {
  const t = s.trim();
  let m = /^(\d+)\/(\d+)$/.exec(t);
  if (m !== null) {
    const d = Number(m[2]);
    if (d === 0) return Number.NaN;
    return Number(m[1]) / d;
  }
  m = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (m !== null) return Number(m[1]) / 100;
  return /^\d+(?:\.\d+)?$/.test(t) ? Number(t) : Number.NaN;
}

/** `1/4:2/4`, `0.25:0.5` or `25%:50%`; a lone bound `1/4` is `0:1/4`, as in k6. Throws an Error that says what is wrong. */
export function parseSegment(text: string): Segment {
  const parts = text.split(':');
  if (parts.length > 2 || text.trim() === '') throw new Error(`segment ${JSON.stringify(text)}: expected FROM:TO, e.g. 1/4:2/4, 0.25:0.5 or 25%:50%`);
  const [a, b] = parts.length === 1 ? ['0', parts[0] ?? ''] : [parts[0] ?? '', parts[1] ?? ''];
  const from = parseBound(a);
  const to = parseBound(b);
  if (Number.isNaN(from) || Number.isNaN(to)) throw new Error(`segment ${JSON.stringify(text)}: each bound is n/d, a decimal or a percentage`);
  if (!(from >= 0 && from < to && to <= 1)) throw new Error(`segment ${JSON.stringify(text)}: needs 0 <= FROM < TO <= 1`);
  return { from, to, text };
}

/** The n equal segments of a run: 0/n:1/n, 1/n:2/n, ... */
export function equalSegments(n: number): Segment[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`equalSegments: n must be a whole number of at least 1, got ${n}`);
  return Array.from({ length: n }, (_, i) => ({ from: i / n, to: (i + 1) / n, text: `${i}/${n}:${i + 1}/${n}` }));
}

/** A segment's part of `total` things numbered 0..total-1 (connections, or a request count): [lo, hi). */
export function shareOf(total: number, s: Pick<Segment, 'from' | 'to'>): { lo: number; hi: number } {
  return { lo: Math.floor(total * s.from), hi: Math.floor(total * s.to) };
}

/** Whether the whole run's arrival number k belongs to the segment. */
export function holdsArrival(k: number, s: Pick<Segment, 'from' | 'to'>): boolean {
  const u = (k * PHI) % 1;
  return u >= s.from && u < s.to;
}

/** The arrivals of `whole` that belong to the segment, in order; the whole schedule itself for the whole run. */
export function segmentSchedule(whole: Schedule, s: Pick<Segment, 'from' | 'to'>): Schedule {
  if (s.from === 0 && s.to === 1) return whole;
  let k = 0;
  return {
    next: () => {
      for (;;) {
        const t = whole.next();
        if (holdsArrival(k++, s)) return t;
      }
    },
  };
}
