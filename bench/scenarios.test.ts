import { describe, expect, it } from 'vitest';
import { buildMatrix, loadSeconds, profiles, workloadNames } from './scenarios.js';

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
    const settings = { ...profiles.quick, variants: ['single-loop', 'cluster', 'worker-pool', 'blocking', 'node-http'], targets: null };
    const cells = buildMatrix(settings);
    expect(cells).toHaveLength(5 * workloadNames.length);
    expect(loadSeconds(settings, cells.length)).toBeLessThan(200);
  });
});
