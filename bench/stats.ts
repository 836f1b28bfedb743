// Statistics for comparing two sets of samples: the tests come from simple-statistics (ranks,
// error function) and jstat (Student's t distribution); this file only combines them.

import jstat from 'jstat';
import { errorFunction, max, mean, median, min, quantileSorted, sampleVariance, wilcoxonRankSum } from 'simple-statistics';
import { seededRandom } from '../shared/random.js';

const { jStat } = jstat;

/** Median, min and max: what every table and chart shows of a set of repetitions or rounds. */
export function summarize(xs: readonly number[]): { median: number; min: number; max: number } {
  const list = [...xs];
  return { median: median(list), min: min(list), max: max(list) };
}

/** Welch's t-test (unequal variances), two-sided. */
export function welchTTest(a: number[], b: number[]): { t: number; df: number; p: number } {
  const va = sampleVariance(a) / a.length;
  const vb = sampleVariance(b) / b.length;
  const se = Math.sqrt(va + vb);
  // No spread on either side (a constant peak RSS, say): t is undefined, and claiming certainty
  // from two constant samples would be wrong, so the rank test answers instead.
  if (se === 0) return { t: 0, df: a.length + b.length - 2, p: mean(a) === mean(b) ? 1 : mannWhitneyU(a, b).p };
  const t = (mean(a) - mean(b)) / se;
  const df = (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1));
  return { t, df, p: Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(t), df)) };
}

/**
 * Mann-Whitney U test, two-sided: exact for small samples without ties, otherwise the normal
 * approximation with tie and continuity corrections.
 */
export function mannWhitneyU(a: number[], b: number[]): { u: number; p: number; exact: boolean } {
  const n1 = a.length;
  const n2 = b.length;
  const u = wilcoxonRankSum(a, b) - (n1 * (n1 + 1)) / 2;
  const all = [...a, ...b].sort((x, y) => x - y);
  const tieGroups: number[] = [];
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j] === all[i]) j++;
    if (j - i > 1) tieGroups.push(j - i);
    i = j;
  }
  if (tieGroups.length === 0 && n1 * n2 <= 400) return { u, p: exactMannWhitneyP(u, n1, n2), exact: true };
  const n = n1 + n2;
  const tie = tieGroups.reduce((s, t) => s + t ** 3 - t, 0);
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tie / (n * (n - 1))));
  if (sigma === 0) return { u, p: 1, exact: false };
  const z = (Math.abs(u - (n1 * n2) / 2) - 0.5) / sigma;
  const p = 2 * (1 - 0.5 * (1 + errorFunction(Math.max(0, z) / Math.SQRT2)));
  return { u, p: Math.min(1, p), exact: false };
}

/** P(U ≤ u or U ≥ n1·n2 − u) under the null, by counting arrangements (no ties). */
function exactMannWhitneyP(u: number, n1: number, n2: number): number {
  // counts[i][j][k]: arrangements of i and j items with U = k; built row by row.
  const max = n1 * n2;
  // With no item of the first sample, U is 0 however many the second has.
  let prev: number[][] = Array.from({ length: n2 + 1 }, () => [1, ...new Array<number>(max).fill(0)]);
  for (let i = 1; i <= n1; i++) {
    const cur: number[][] = Array.from({ length: n2 + 1 }, () => new Array<number>(max + 1).fill(0));
    cur[0]![0] = 1;
    for (let j = 1; j <= n2; j++) {
      for (let k = 0; k <= max; k++) {
        // the largest item belongs to sample 1 (it beats all j of sample 2) or to sample 2
        cur[j]![k] = (k - j >= 0 ? prev[j]![k - j]! : 0) + cur[j - 1]![k]!;
      }
    }
    prev = cur;
  }
  const dist = prev[n2]!;
  const total = dist.reduce((s, c) => s + c, 0);
  const low = Math.min(u, max - u);
  let tail = 0;
  for (let k = 0; k <= low; k++) tail += dist[k]!;
  return Math.min(1, (2 * tail) / total);
}

/** Holm's step-down adjustment of p-values, returned in the input order. */
export function holm(ps: number[]): number[] {
  const order = ps.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0]);
  const out = new Array<number>(ps.length).fill(1);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, p * (ps.length - rank)));
    out[i] = running;
  });
  return out;
}

/** A percentile bootstrap interval of the relative change of medians (head vs base), seeded. */
export function bootstrapChangeCI(base: number[], head: number[], opts: { seed?: number; iterations?: number; level?: number } = {}): [number, number] {
  const random = seededRandom(opts.seed ?? 1);
  const n = opts.iterations ?? 2000;
  const resample = (xs: number[]) => xs.map(() => xs[Math.floor(random() * xs.length)] as number);
  const changes: number[] = [];
  for (let i = 0; i < n; i++) {
    const m0 = median(resample(base));
    if (m0 !== 0) changes.push((median(resample(head)) - m0) / m0);
  }
  changes.sort((x, y) => x - y);
  const tail = (1 - (opts.level ?? 0.95)) / 2;
  return [quantileSorted(changes, tail), quantileSorted(changes, 1 - tail)];
}

/** Node core's marks for an adjusted p-value. */
export function stars(p: number): string {
  return p < 0.001 ? '***' : p < 0.01 ? '**' : p < 0.05 ? '*' : '';
}
