// The CPU-bound workload: deterministic, pure JavaScript, no allocation, with a result that
// depends on every iteration so the engine cannot skip any of them.

/** Iterations that cost about 1 ms on the 2-core reference machine (docs/serving.md, "Routes"). */
export const DEFAULT_CPU_ITERATIONS = 500_000;

/** The largest number of iterations a request may ask for (a few seconds of work). */
export const MAX_CPU_ITERATIONS = 100_000_000;

/** An FNV-1a-style hash chain over the iteration counter; returns 32 bits. */
export function cpuWork(iterations: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < iterations; i++) {
    h ^= i & 0xff;
    h = Math.imul(h, 0x01000193);
    h ^= h >>> 15;
  }
  return h >>> 0;
}
