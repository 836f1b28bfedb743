import { describe, expect, it } from 'vitest';
import { variantNames } from '../servers/variants/registry.js';
import { buildMatrix, expectedSeconds, loadSeconds, offeredRps, parseRate, profiles, stepsPerCell, workloadNames } from './scenarios.js';

describe('scenario matrix', () => {
  it('crosses variants, workloads, connections, and pipelining only where a workload allows it', () => {
    const cells = buildMatrix({ ...profiles.full, variants: ['a', 'b'], targets: null });
    // plaintext: 5 connection counts × 2 depths; the other four workloads: 5 × 1.
    expect(cells).toHaveLength(2 * (5 * 2 + 4 * 5));
    expect(cells.filter((c) => c.pipelining === 16).every((c) => c.workload === 'plaintext')).toBe(true);
    expect(cells.slice(0, 30).every((c) => c.variant === 'a')).toBe(true);
  });

  it('derives the smoke profile from the full matrix: every workload, the first of every other list, a blink', () => {
    expect(profiles.smoke).toEqual({
      workloads: profiles.full.workloads,
      connections: [profiles.full.connections[0]],
      pipelining: [profiles.full.pipelining[0]],
      durationSec: 0.3,
      warmupSec: 0,
      repetitions: 1,
      capacity: null,
    });
    expect(buildMatrix({ ...profiles.smoke, variants: ['a'], targets: null })).toHaveLength(workloadNames.length);
  });

  it('keeps the quick profile to every variant × every workload at one concurrency, within 4 minutes of load', () => {
    const settings = { ...profiles.quick, variants: [...variantNames], targets: null };
    const cells = buildMatrix(settings);
    expect(cells).toHaveLength(variantNames.length * workloadNames.length);
    expect(loadSeconds(settings, cells.length)).toBeLessThan(200);
  });

  it('reads rates as a share of the measured maximum or as req/s, and nothing else', () => {
    expect(parseRate('50%')).toEqual({ share: 0.5 });
    expect(parseRate('2.5%')).toEqual({ share: 0.025 });
    expect(parseRate(' 2000 ')).toEqual({ rps: 2000 });
    expect(offeredRps(parseRate('130%'), 1_000)).toBeCloseTo(1_300);
    expect(offeredRps(parseRate('700'), 1_000)).toBe(700);
    for (const bad of ['', '0', '0%', '-5', '50%%', '1e3', 'fast', '%50'])
      expect(() => parseRate(bad), bad).toThrow(/a rate is a number of req\/s above 0 or a percentage/);
  });

  it('plans a capacity run as a closed loop and a sweep per cell, and counts its duration from every step', () => {
    const settings = { ...profiles.capacity, variants: ['single-loop', 'blocking'], targets: null };
    const cells = buildMatrix(settings).length;
    expect(cells).toBe(2 * 4);
    expect(stepsPerCell(settings)).toBe(1 + (profiles.capacity.capacity?.rates.length ?? 0) + (profiles.capacity.capacity?.refine ?? 0));
    expect(profiles.capacity.capacity?.rates.length).toBeGreaterThanOrEqual(4);
    expect(loadSeconds(settings, cells)).toBe(cells * stepsPerCell(settings) * (1 + 3 * 2));
    expect(expectedSeconds(settings, cells)).toBeGreaterThan(loadSeconds(settings, cells));
    expect(stepsPerCell(profiles.quick)).toBe(1);
  });
});
