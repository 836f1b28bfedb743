import { describe, expect, it } from 'vitest';
import { type GeneratorFigures, generatorBoundOf, repetitionBound } from './saturation.js';

/** A punctual generator with CPU to spare, a p99 of 5 ms. */
const punctual: GeneratorFigures = { loadgenCpuShare: 0.5, p99Ms: 5, heldUpShare: 0.002, notHeldP99Ms: 4.9 };

describe('whether the generator, not the server, made an open loop’s tail', () => {
  it('a server stall with a punctual generator is the server’s: the requests not held up have the same tail', () => {
    // The stall server of engine.test.ts, 50 ms every 500 ms: p99 47 ms with or without the few held up.
    expect(generatorBoundOf({ loadgenCpuShare: 0.3, p99Ms: 47.4, heldUpShare: 0.003, notHeldP99Ms: 47.4 })).toBe(null);
    expect(generatorBoundOf(punctual)).toBe(null);
  });

  it('a generator whose own delays match the tail is: without the requests it held up, the tail is a third shorter or more', () => {
    // Against nginx at 40,000 req/s: 11 ms, 4.3 ms without the 4% it held up.
    expect(generatorBoundOf({ loadgenCpuShare: 0.6, p99Ms: 11, heldUpShare: 0.04, notHeldP99Ms: 4.3 })).toBe('delayed');
    // Every request held up: nothing is left to say the server was fine, and nothing to blame it.
    expect(generatorBoundOf({ loadgenCpuShare: 0.7, p99Ms: 1900, heldUpShare: 1, notHeldP99Ms: null })).toBe('delayed');
  });

  it('is not moved by a generator that held nothing up, nor by a tail of a millisecond or two', () => {
    expect(generatorBoundOf({ ...punctual, heldUpShare: 0, notHeldP99Ms: 1 })).toBe(null);
    // Two thirds of 2.5 ms is below 1.6 ms, but the held-up requests added under 2 ms.
    expect(generatorBoundOf({ loadgenCpuShare: 0.4, p99Ms: 2.5, heldUpShare: 0.02, notHeldP99Ms: 1.2 })).toBe(null);
  });

  it('a generator out of CPU is bound whatever its tail', () => {
    expect(generatorBoundOf({ ...punctual, loadgenCpuShare: 0.95 })).toBe('saturated');
  });

  it('reads a repetition’s recorded verdict; a closed loop’s or an older file’s by its CPU alone', () => {
    expect(repetitionBound({ loadgenCpuShare: 0.5, openLoop: null })).toBe(null);
    expect(repetitionBound({ loadgenCpuShare: 0.95, openLoop: null })).toBe('saturated');
  });
});
