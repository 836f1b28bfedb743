import { describe, expect, it } from 'vitest';
import { CPU_HEAVY_PATHS, splitTarget } from '../../servers/routes/routes.js';
import { variantNames } from '../../servers/variants/registry.js';
import {
  buildMatrix,
  describeMixes,
  expandHeavyShares,
  expectedSeconds,
  HEAVY_CPU_PATH,
  heavyShareOf,
  loadSeconds,
  type MixRequest,
  measurableWorkers,
  offeredRps,
  parseRate,
  profiles,
  requestLabels,
  resolveWorkload,
  scalingCounts,
  stepsPerCell,
  usesWorkers,
  workloadNames,
  workloads,
} from './scenarios.js';

describe('scenario matrix', () => {
  it('crosses variants, workloads, connections, and pipelining only where a workload allows it', () => {
    const cells = buildMatrix({ ...profiles.full, variants: ['a', 'b'], targets: null });
    // plaintext: 5 connection counts × 2 depths; the other six workloads: 5 × 1.
    expect(cells).toHaveLength(2 * (5 * 2 + 6 * 5));
    expect(cells.filter((c) => c.pipelining === 16).every((c) => c.workload === 'plaintext')).toBe(true);
    expect(cells.slice(0, 40).every((c) => c.variant === 'a')).toBe(true);
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

  it('keeps the quick profile to every variant × every single-request workload and the mixed one at one concurrency, within 4 minutes of load', () => {
    const settings = { ...profiles.quick, variants: [...variantNames], targets: null };
    const cells = buildMatrix(settings);
    const single = workloadNames.filter((w) => workloads[w].requests.length === 1);
    expect(profiles.quick.workloads).toEqual([...single, 'mixed']);
    expect(cells).toHaveLength(variantNames.length * (single.length + 1));
    expect(loadSeconds(settings, cells.length)).toBeLessThan(200);
  });

  it('marks as heavy exactly the built-in requests to routes the routes declare CPU-heavy', () => {
    for (const name of workloadNames)
      for (const r of workloads[name].requests as readonly MixRequest[])
        expect(r.heavy === true, `${name} ${r.path}`).toBe(name !== 'cpu' && CPU_HEAVY_PATHS.has(splitTarget(r.path).path));
    expect(workloads.mixed.requests.map((r) => r.path)).toEqual(['/json', HEAVY_CPU_PATH]);
  });

  it("sets a mix's heavy share from its name, keeping each group's own proportions, and refuses names that mean nothing", () => {
    const catalog = {
      ...workloads,
      three: {
        description: 'two quick, one heavy',
        requests: [
          { method: 'GET', path: '/a', weight: 3 },
          { method: 'GET', path: '/b', weight: 1 },
          { method: 'GET', path: '/h', weight: 50, heavy: true },
        ],
      },
    };
    const shares = (name: string) => {
      const w = resolveWorkload(name, catalog);
      const total = w.requests.reduce((n, r) => n + r.weight, 0);
      return Object.fromEntries(w.requests.map((r) => [r.path, Number((r.weight / total).toFixed(6))]));
    };
    expect(shares('three@20%')).toEqual({ '/a': 0.6, '/b': 0.2, '/h': 0.2 });
    expect(shares('mixed@5%')).toEqual({ '/json': 0.95, [HEAVY_CPU_PATH]: 0.05 });
    expect(shares('mixed@1.5%')).toEqual({ '/json': 0.985, [HEAVY_CPU_PATH]: 0.015 });
    // 0%: the heavy request is left out, not sent with no weight.
    expect(shares('mixed@0%')).toEqual({ '/json': 1 });
    expect(shares('mixed@100%')).toEqual({ [HEAVY_CPU_PATH]: 1 });
    expect(resolveWorkload('mixed', catalog)).toBe(workloads.mixed);
    expect(heavyShareOf('mixed-io@20%')).toEqual({ base: 'mixed-io', share: 0.2 });
    expect(heavyShareOf('json')).toEqual({ base: 'json', share: null });
    expect(() => resolveWorkload('nope', catalog)).toThrow(/unknown workload 'nope'/);
    expect(() => resolveWorkload('json@5%', catalog)).toThrow(/json does not mix heavy requests with others/);
    expect(() => resolveWorkload('mixed@101%', catalog)).toThrow(/at most 100%/);
    expect(() => resolveWorkload('mixed@x%', catalog)).toThrow(/unknown workload/);
  });

  it('expands every mix, and only the mixes, once per heavy share; the mixes profile is both built-in mixes at 0, 1, 5 and 20%', () => {
    expect(expandHeavyShares(['json', 'mixed', 'cpu'], [0, 20])).toEqual(['json', 'mixed@0%', 'mixed@20%', 'cpu']);
    // A mix named at a share counts as the mix; each cell once.
    expect(expandHeavyShares(['mixed', 'mixed@5%', 'mixed-io@0%'], [5, 5, 50])).toEqual(['mixed@5%', 'mixed@50%', 'mixed-io@5%', 'mixed-io@50%']);
    expect(profiles.mixes.workloads).toEqual(['mixed@0%', 'mixed@1%', 'mixed@5%', 'mixed@20%', 'mixed-io@0%', 'mixed-io@1%', 'mixed-io@5%', 'mixed-io@20%']);
  });

  it('records what each workload sent, each request with its share and a label that tells it apart', () => {
    const twice = {
      description: 'the same route twice',
      requests: [
        { method: 'GET', path: '/x', weight: 1 },
        { method: 'GET', path: '/x', weight: 3, body: Buffer.from('abc') },
      ],
    };
    expect(requestLabels(twice)).toEqual(['GET /x', 'GET /x #2']);
    const mixes = describeMixes(['echo', 'mixed@20%', 'twice'], { ...workloads, twice });
    expect(mixes.echo?.requests).toEqual([{ label: 'POST /echo', method: 'POST', path: '/echo', share: 1, heavy: false, bodyBytes: 4096 }]);
    expect(mixes['mixed@20%']?.requests.map((r) => [r.label, Number(r.share.toFixed(3)), r.heavy])).toEqual([
      ['GET /json', 0.8, false],
      [`GET ${HEAVY_CPU_PATH}`, 0.2, true],
    ]);
    expect(mixes.twice?.requests.map((r) => [r.label, r.share, r.bodyBytes])).toEqual([
      ['GET /x', 0.25, 0],
      ['GET /x #2', 0.75, 3],
    ]);
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
    // The closed loop: one warm-up run and 3 × 2 s; each rate: 3 × (1 s of warm-up inside the generator + 2 s).
    expect(loadSeconds(settings, cells)).toBe(cells * (1 + 3 * 2 + (stepsPerCell(settings) - 1) * 3 * (1 + 2)));
    expect(expectedSeconds(settings, cells)).toBeGreaterThan(loadSeconds(settings, cells));
    expect(stepsPerCell(profiles.quick)).toBe(1);
  });
});

describe('worker counts', () => {
  it('makes a scaling curve of powers of two up to the server’s CPUs and that maximum, from 1 and 2 at least', () => {
    expect(scalingCounts(1)).toEqual([1, 2]);
    expect(scalingCounts(2)).toEqual([1, 2]);
    expect(scalingCounts(4)).toEqual([1, 2, 4]);
    expect(scalingCounts(6)).toEqual([1, 2, 4, 6]);
    expect(scalingCounts(8)).toEqual([1, 2, 4, 8]);
    expect(scalingCounts(12)).toEqual([1, 2, 4, 8, 12]);
  });

  it('leaves out of a curve the counts above the server’s CPUs, and takes one count alone as asked', () => {
    expect(measurableWorkers([1, 2, 4, 8], 3)).toEqual({ measured: [1, 2], notMeasurable: [4, 8] });
    expect(measurableWorkers([1, 2], 8)).toEqual({ measured: [1, 2], notMeasurable: [] });
    expect(measurableWorkers([4], 1)).toEqual({ measured: [4], notMeasurable: [] });
    expect(measurableWorkers(null, 1)).toEqual({ measured: null, notMeasurable: [] });
  });

  it('gives each variant with workers a cell per count, grouped by count, and the others one cell with none', () => {
    const s = { ...profiles.quick, workloads: ['plaintext', 'json'], variants: ['single-loop', 'cluster'], targets: null };
    const cells = buildMatrix(s, [1, 2]);
    expect(cells.map((c) => `${c.variant} ${c.workers} ${c.workload}`)).toEqual([
      'single-loop null plaintext',
      'single-loop null json',
      'cluster 1 plaintext',
      'cluster 1 json',
      'cluster 2 plaintext',
      'cluster 2 json',
    ]);
    expect(buildMatrix(s).every((c) => c.workers === null)).toBe(true);
    expect(usesWorkers('offload')).toBe(true);
    expect(usesWorkers('a-target')).toBe(false);
  });

  it('has a scaling profile of the models with workers and single-loop beside them', () => {
    expect(profiles.scaling).toMatchObject({
      scaling: true,
      variants: ['single-loop', 'cluster', 'worker-pool', 'offload'],
      workloads: ['plaintext', 'json', 'cpu'],
    });
  });
});
