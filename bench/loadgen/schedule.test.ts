import { describe, expect, it } from 'vitest';
import { arrivalSchedule } from './schedule.js';

const take = (n: number, next: () => number) => Array.from({ length: n }, next);

describe('an open loop’s schedule', () => {
  it('constant arrivals are due at i × (1000 / rate), computed from i so that nothing accumulates', () => {
    const s = arrivalSchedule(3, 'constant', 1);
    expect(take(4, s.next)).toEqual([0, 1000 / 3, 2000 / 3, 1000]);
    const long = arrivalSchedule(7_000, 'constant', 1);
    let last = 0;
    for (let i = 0; i < 7_000_000; i++) last = long.next();
    // The 7,000,000th arrival of 7,000 a second is due at 999,999.857142857 ms. A sum of 6,999,999
    // gaps would be off by up to a microsecond by then; one product is off by a rounding.
    expect(Math.abs(last - (6_999_999 * 1000) / 7_000)).toBeLessThan(1e-6);
  });

  it('Poisson arrivals start at 0, rise, have the rate’s mean gap, and repeat for a seed', () => {
    const a = take(20_000, arrivalSchedule(1_000, 'poisson', 42).next);
    expect(a[0]).toBe(0);
    for (let i = 1; i < a.length; i++) expect(a[i] as number).toBeGreaterThanOrEqual(a[i - 1] as number);
    // 19,999 gaps of mean 1 ms: their sum within 3% of 20 s.
    expect(Math.abs((a.at(-1) as number) / 19_999 - 1)).toBeLessThan(0.03);
    expect(take(20_000, arrivalSchedule(1_000, 'poisson', 42).next)).toEqual(a);
    expect(take(5, arrivalSchedule(1_000, 'poisson', 43).next)).not.toEqual(a.slice(0, 5));
  });

  it('refuses a rate that is not a number above 0', () => {
    for (const rate of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => arrivalSchedule(rate, 'constant', 1)).toThrow(/rate must be/);
  });
});
