// When a side of a measurement used up its CPU: one threshold for the harness (measure.ts) and the
// sweep's analysis (capacity.ts) alike.

import type { Repetition } from './results.js';

/**
 * A process at or above this share of the CPU it was given is saturated. A saturated load
 * generator with a server that is not makes the figures a floor (client-bound).
 */
export const SATURATED_SHARE = 0.9;

/** The load generator used up its CPU in this repetition. */
export function generatorSaturated(r: Pick<Repetition, 'loadgenCpuShare'>): boolean {
  return r.loadgenCpuShare >= SATURATED_SHARE;
}
