// How the attack clients summarize a handful of times: the smallest, the median and the largest,
// or percentiles by nearest rank (there are at most a few thousand values, kept exactly).

/** The smallest, median and largest of some values, in ms. */
export interface Spread {
  min: number;
  p50: number;
  max: number;
}

/** The value at quantile `q` (0 to 1) of values sorted ascending, by nearest rank. */
export function nearestRank(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('nearestRank: no values');
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Min, median and max, rounded to 0.1 ms; null when there are no values. */
export function spreadOf(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return { min: round(sorted[0] as number), p50: round(nearestRank(sorted, 0.5)), max: round(sorted[sorted.length - 1] as number) };
}
