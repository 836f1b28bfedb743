// Statistics for comparing two sets of samples: the tests come from simple-statistics (ranks,
// error function) and jstat (Student's t distribution); this file only combines them.

import jstat from 'jstat';
import { errorFunction, max, mean, median, min, quantileSorted, sampleVariance, wilcoxonRankSum } from 'simple-statistics';
import { seededRandom } from '../../shared/random.js';

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

/**
 * The paired test of an A/B run: Student's t on the log-ratios of head over base within each pair
 * (a one-sample test of their mean against 0), two-sided. The ratio within a pair cancels what
 * the pair shared (the machine's speed at that moment), which an unpaired test over all samples
 * counts as noise. `ratio` is the geometric mean of head/base, `ci` its 95% t-interval.
 */
export function pairedLogRatioTest(
  base: readonly number[],
  head: readonly number[],
): { t: number; df: number; p: number; n: number; ratio: number; ci: [number, number]; sdLog: number } {
  if (base.length !== head.length) throw new Error('pairedLogRatioTest: the two sides must pair');
  const d = base.map((b, i) => Math.log((head[i] as number) / b));
  const n = d.length;
  const m = mean(d);
  const sdLog = n > 1 ? Math.sqrt(sampleVariance(d)) : 0;
  const se = sdLog / Math.sqrt(n);
  const df = n - 1;
  if (se === 0) return { t: 0, df, p: m === 0 ? 1 : 0, n, ratio: Math.exp(m), ci: [Math.exp(m), Math.exp(m)], sdLog };
  const t = m / se;
  const q = jStat.studentt.inv(0.975, df);
  return { t, df, p: Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(t), df)), n, ratio: Math.exp(m), ci: [Math.exp(m - q * se), Math.exp(m + q * se)], sdLog };
}

/**
 * The usual approximation of detectableEffect: the test's critical value plus the t quantile of
 * the power. Low: at level 0.05 by 0.3% at 7 degrees of freedom, 5% at 2 and 14% at 1; at
 * 0.05/8 by 3% at 7 and 15% at 2. Used only past where jstat's noncentral t fails.
 */
export function approxDetectableEffect(df: number, alpha: number, power = 0.8): number {
  return jStat.studentt.inv(1 - alpha / 2, df) + jStat.studentt.inv(power, df);
}

/** jstat's noncentral t is exact up to a noncentrality of about 25, and wrong (near 0) past it. */
const NONCENTRAL_EXACT_MAX = 20;
const effects = new Map<string, number>();

/**
 * The smallest true effect, in standard errors, that a two-sided t-test at level `alpha` with
 * `df` degrees of freedom detects with probability `power`: solves, by bisection, power =
 * P(T' > c) + P(T' < −c) for the noncentral t T' (jstat), c the test's critical value. Past a
 * noncentrality of 20 (a test with one or two degrees of freedom at a strict level), where jstat's
 * series fails, the approximation answers instead: such a test can see only enormous changes,
 * and no threshold is met either way.
 */
export function detectableEffect(df: number, alpha: number, power = 0.8): number {
  const key = `${df}|${alpha}|${power}`;
  const known = effects.get(key);
  if (known !== undefined) return known;
  const c = jStat.studentt.inv(1 - alpha / 2, df);
  const powerAt = (delta: number) => 1 - jStat.noncentralt.cdf(c, df, delta) + Math.max(0, jStat.noncentralt.cdf(-c, df, delta));
  let effect: number;
  if (powerAt(NONCENTRAL_EXACT_MAX) < power) effect = Math.max(NONCENTRAL_EXACT_MAX, approxDetectableEffect(df, alpha, power));
  else {
    let lo = 0;
    let hi = NONCENTRAL_EXACT_MAX;
    while (hi - lo > 1e-9) {
      const mid = (lo + hi) / 2;
      if (powerAt(mid) < power) lo = mid;
      else hi = mid;
    }
    effect = (lo + hi) / 2;
  }
  effects.set(key, effect);
  return effect;
}

/** Node core's marks for an adjusted p-value. */
export function stars(p: number): string {
  return p < 0.001 ? '***' : p < 0.01 ? '**' : p < 0.05 ? '*' : '';
}
