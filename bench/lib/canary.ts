// How fast the machine is at this moment: a fixed piece of CPU-bound work, timed. The A/B run
// times it before and after each sample; this VM's speed changes in phases about 2× apart, and a
// pair of samples that ran at different speeds compares the machine, not the two builds
// (compare.ts leaves such pairs out). The best of seven runs (about 25 ms in all), so that a
// preemption, or a slow moment of a few milliseconds, does not count: with the best of three, one
// sample in six read twice as slow around a steady sample on the 2-core development VM.

import { performance } from 'node:perf_hooks';

/** Rounds of the mixing loop: about 3 ms on the 2-core development VM in its fast phase. */
const ROUNDS = 500_000;
let sink = 0;

function work(): number {
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < ROUNDS; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x = Math.imul(x, 0x85ebca6b) + i;
  }
  return x;
}

/** The canary's time in ms: the best of seven runs of the same work. */
export function canaryMs(): number {
  let best = Infinity;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    sink ^= work();
    best = Math.min(best, performance.now() - t0);
  }
  // Read the sink so the work cannot be thrown away.
  return sink === 0.5 ? best + 1 : best;
}

/** How far apart two canary times are, as a ratio ≥ 1. */
export const canarySpread = (a: number, b: number): number => Math.max(a, b) / Math.min(a, b);
