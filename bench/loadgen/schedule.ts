// When the requests of an open loop are due: a fixed schedule of arrival times drawn before the
// load and independent of how the server answers (wrk2's method), evenly spaced or a seeded
// Poisson process. Times are offsets in ms from the schedule's start.

import { seededRandom } from '../../shared/random.js';
import type { Arrivals } from './types.js';

/** The arrival times of an open loop, one after the other. */
export interface Schedule {
  /** The offset of the next arrival, in ms from the start; every call returns the next one. */
  next(): number;
}

/**
 * `rate` arrivals a second. Constant arrivals are due at i × (1000 / rate), computed from i so no
 * rounding accumulates over a long run; Poisson arrivals have exponential gaps of that mean, drawn
 * from `seed`, so a run repeats.
 */
export function arrivalSchedule(rate: number, arrivals: Arrivals, seed: number): Schedule {
  if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`arrivalSchedule: the rate must be a number above 0, got ${rate}`);
  const interval = 1000 / rate;
  let i = 0;
  if (arrivals === 'constant') return { next: () => i++ * interval };
  const random = seededRandom(seed);
  let at = 0;
  return {
    next: () => {
      const t = at;
      at += -Math.log(1 - random()) * interval;
      return t;
    },
  };
}
