import { describe, expect, it } from 'vitest';
import { approxDetectableEffect, bootstrapChangeCI, detectableEffect, holm, mannWhitneyU, pairedLogRatioTest, stars, summarize, welchTTest } from './stats.js';

describe('statistics against known values', () => {
  it('summarize: median (the mean of the middle two for an even count), min and max, input left as it was', () => {
    const xs = [5, 1, 4, 2];
    expect(summarize(xs)).toEqual({ median: 3, min: 1, max: 5 });
    expect(summarize([7, 3, 9])).toEqual({ median: 7, min: 3, max: 9 });
    expect(xs).toEqual([5, 1, 4, 2]);
  });

  it("Welch's t-test: the first example of the Wikipedia article (t = -2.46, df = 25.0, p = 0.021)", () => {
    const a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const r = welchTTest(a1, a2);
    expect(r.t).toBeCloseTo(-2.46, 2);
    expect(r.df).toBeCloseTo(24.99, 1);
    expect(r.p).toBeCloseTo(0.021, 3);
  });

  it('Mann-Whitney U: the exact example of the SciPy documentation (U = 17, p = 0.1111)', () => {
    const r = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    expect(r).toMatchObject({ u: 17, exact: true });
    expect(r.p).toBeCloseTo(1 / 9, 4);
  });

  it('Mann-Whitney U: completely separated samples of 5 give the smallest exact p, 2/252', () => {
    expect(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p).toBeCloseTo(2 / 252, 6);
  });

  it('Mann-Whitney U with ties uses the corrected normal approximation', () => {
    const r = mannWhitneyU([1, 2, 2, 3, 3, 3, 4, 5, 6, 7], [3, 4, 4, 5, 6, 7, 8, 8, 9, 9]);
    expect(r.exact).toBe(false);
    expect(r.p).toBeGreaterThan(0.01);
    expect(r.p).toBeLessThan(0.1);
  });

  it("Holm's procedure: adjusted p-values in the input order", () => {
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    for (const [i, want] of [0.03, 0.06, 0.06, 0.02].entries()) expect(adjusted[i]).toBeCloseTo(want, 10);
    expect(holm([0.5, 0.9])).toEqual([1, 1]); // 0.5 × 2 = 1, and adjusted values never decrease
  });

  it('bootstrap interval of the change is seeded, and brackets a clear 30% drop', () => {
    const base = [100, 102, 98, 101, 99, 100, 103, 97];
    const head = base.map((x) => x * 0.7);
    const a = bootstrapChangeCI(base, head, { seed: 7 });
    expect(bootstrapChangeCI(base, head, { seed: 7 })).toEqual(a);
    expect(a[0]).toBeLessThan(-0.28);
    expect(a[1]).toBeGreaterThan(-0.32);
    expect(a[1]).toBeLessThan(0);
  });

  it('marks adjusted p-values as Node core does', () => {
    expect([0.2, 0.04, 0.009, 0.0009].map(stars)).toEqual(['', '*', '**', '***']);
  });

  it('the paired test on log-ratios: as scipy.stats.ttest_1samp on log(head/base) (t = -17.089, p = 6.88e-5), its geometric mean ratio and 95% interval', () => {
    const r = pairedLogRatioTest([100, 110, 95, 105, 98], [90, 101, 88, 97, 90]);
    expect(r.t).toBeCloseTo(-17.089, 3);
    expect(r.p).toBeCloseTo(6.8776e-5, 8);
    expect(r.ratio).toBeCloseTo(0.917288, 6);
    expect(r.ci[0]).toBeCloseTo(0.904512, 6);
    expect(r.ci[1]).toBeCloseTo(0.930245, 6);
    expect(r.sdLog).toBeCloseTo(0.0112966, 6);
    expect(() => pairedLogRatioTest([1, 2], [1])).toThrow(/pair/);
  });

  it('the detectable effect at 80% power: as the noncentral t computed independently (scipy, by integrating over the chi-square), to 1e-6', () => {
    // Reference: brentq on 1 - F(c) + F(-c) = 0.8, F(t) = ∫ Φ(t·√(u/df) − δ) χ²_df(u) du (scipy.integrate.quad).
    const reference: Array<[number, number, number]> = [
      [9, 0.05, 3.1496328864508003],
      [7, 0.05, 3.269759840472892],
      [7, 0.05 / 8, 4.910631787211678],
      [3, 0.01, 7.440483922351617],
      [30, 0.05, 2.89535830015339],
      [2, 0.05, 5.653489266202939],
      [1, 0.05, 16.334008869919963],
      [9, 0.05 / 4, 4.061302486778149],
    ];
    for (const [df, alpha, delta] of reference) expect(detectableEffect(df, alpha)).toBeCloseTo(delta, 6);
    // The approximation is close where it is used (suggesting sample counts), and the exact one falls back on it only past where jstat fails.
    expect(approxDetectableEffect(7, 0.05)).toBeCloseTo(3.2698, 1);
    expect(detectableEffect(1, 0.05 / 40)).toBeGreaterThan(20);
  });
});
