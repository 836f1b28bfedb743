import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureResults } from '../analysis/test-support/fixture.js';
import { resilienceFixture } from '../analysis/test-support/resilience-fixture.js';
import { cellName, cellsOf, labelledVariant, RESULTS_VERSION, rowLabel, variantLabel } from './results.js';
import { readResults, writeResults } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'cbench-results-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('results.json', () => {
  it('reads a version 9 file as version 10: no CPU plan, one generator thread, its one --workers count a list of one, and on the cells of the variants with workers', () => {
    const v10 = fixtureResults();
    const v9 = JSON.parse(JSON.stringify(v10));
    v9.version = 9;
    delete v9.environment.cpuPlan;
    delete v9.settings.scaling;
    v9.settings.workers = 2;
    for (const v of v9.variants)
      for (const c of v.cells ?? []) {
        delete c.workers;
        for (const r of c.repetitions ?? []) delete r.loadgenThreads;
      }
    const file = join(dir, 'v9.json');
    writeFileSync(file, JSON.stringify(v9));
    const read = readResults(file);
    expect(RESULTS_VERSION).toBe(10);
    const expected = JSON.parse(JSON.stringify(v10));
    expected.settings.workers = [2];
    for (const v of expected.variants) if (['multi-process', 'thread-pool', 'event-loop+pool'].includes(v.model)) for (const c of v.cells) c.workers = 2;
    expect(expected.variants.filter((v: { cells: Array<{ workers: number | null }> }) => v.cells.some((c) => c.workers === 2)).length).toBeGreaterThan(0);
    expect(read).toEqual(expected);
    // A file without a count keeps every cell at the variants' default.
    v9.settings.workers = null;
    writeFileSync(file, JSON.stringify(v9));
    expect(readResults(file)).toEqual(v10);
    expect(cellName({ workload: 'json', connections: 64, pipelining: 1, workers: null })).toBe('json c=64 p=1');
    expect(cellName({ workload: 'json', connections: 64, pipelining: 1, workers: 4 })).toBe('json c=64 p=1 w=4');
  });

  it('names a row of a run that chose its workers by its count, and finds the variant behind the label', () => {
    const variants = [{ name: 'cluster' }, { name: 'cluster-2' }];
    expect(variantLabel('cluster', 4)).toBe('cluster ×4');
    expect(variantLabel('cluster', null)).toBe('cluster');
    expect(labelledVariant(variants, 'cluster ×4')).toBe(variants[0]);
    expect(labelledVariant(variants, 'cluster-2')).toBe(variants[1]);
    expect(labelledVariant(variants, 'cluster ×x')).toBeUndefined();
    // A variant run at one count keeps its name in the rows; at several, each row says its count.
    const run = fixtureResults();
    const cluster = run.variants.find((v) => v.name === 'cluster');
    if (cluster?.status !== 'ok' || cluster.cells[0] === undefined) throw new Error('fixture: cluster is measured');
    expect(rowLabel(cluster, cluster.cells[0])).toBe('cluster');
    cluster.cells = [
      { ...cluster.cells[0], workers: 1 },
      { ...cluster.cells[0], workers: 2 },
    ];
    expect(cluster.cells.map((c) => rowLabel(cluster, c))).toEqual(['cluster ×1', 'cluster ×2']);
  });

  it('reads a version 5 file as version 10: no resilience scenarios, in the settings or on any variant', () => {
    const v7 = fixtureResults({ mixes: true, capacity: true });
    const v5 = JSON.parse(JSON.stringify(v7));
    v5.version = 5;
    // Files before version 9 record no model: it is taken from the variant's name.
    for (const v of v5.variants) delete v.model;
    const file = join(dir, 'v5.json');
    writeFileSync(file, JSON.stringify(v5));
    const read = readResults(file);
    expect(read.version).toBe(10);
    expect(read).toEqual(v7);
    expect(read.settings.resilience ?? null).toBeNull();
    expect(read.variants.every((v) => !('resilience' in v) || v.resilience === null)).toBe(true);
  });

  it('reads a version 7 file as version 10: no canary on any repetition, no objectives', () => {
    const v8 = fixtureResults({ capacity: true });
    const v7 = JSON.parse(JSON.stringify(v8));
    v7.version = 7;
    for (const v of v7.variants) delete v.model;
    delete v7.objectives;
    for (const v of v7.variants) for (const c of v.cells ?? []) for (const r of c.repetitions ?? []) delete r.canary;
    const file = join(dir, 'v7.json');
    writeFileSync(file, JSON.stringify(v7));
    const read = readResults(file);
    expect(read).toEqual(v8);
    expect(read.objectives).toBeNull();
    // A version 8 file keeps what it recorded.
    const measured = JSON.parse(JSON.stringify(v8));
    measured.objectives = [{ expression: '*:errors==0', checks: [], pass: false }];
    measured.variants[0].cells[0].repetitions[0].canary = { beforeMs: 3.3, afterMs: 3.4 };
    writeFileSync(file, JSON.stringify(measured));
    const again = readResults(file);
    expect(again.objectives).toEqual(measured.objectives);
    expect(cellsOf(again.variants[0]!)[0]).toMatchObject({
      repetitions: [expect.objectContaining({ canary: { beforeMs: 3.3, afterMs: 3.4 } }), expect.anything()],
    });
  });

  it('reads a version 6 sweep as version 7: its generatorSaturatedAtMiss becomes why the generator bound the first miss, and its repetitions say nothing of held-up requests', () => {
    const v7 = fixtureResults({ capacity: true, generatorSaturated: ['single-loop/plaintext'] });
    const v6 = JSON.parse(JSON.stringify(v7));
    v6.version = 6;
    for (const v of v6.variants)
      for (const c of v.cells) {
        if (c.sweep === null) continue;
        c.sweep.generatorSaturatedAtMiss = c.sweep.generatorBoundAtMiss === 'saturated';
        delete c.sweep.generatorBoundAtMiss;
        for (const p of c.sweep.points)
          for (const r of p.repetitions)
            for (const k of ['scheduleLagP99Ms', 'loopDelayP99Ms', 'loopDelayMaxMs', 'heldUpShare', 'notHeldP99Ms', 'generatorBound']) delete r.openLoop[k];
      }
    const file = join(dir, 'v6.json');
    writeFileSync(file, JSON.stringify(v6));
    const read = readResults(file);
    const sweeps = read.variants.flatMap(cellsOf).flatMap((c) => (c.sweep === null ? [] : [c]));
    expect(sweeps.find((c) => c.workload === 'plaintext' && c.sweep !== null && c.sweep.generatorBoundAtMiss === 'saturated')).toBeDefined();
    expect(sweeps.filter((c) => c.sweep?.generatorBoundAtMiss === 'saturated')).toHaveLength(1);
    const rep = sweeps[0]?.sweep?.points[0]?.repetitions[0]?.openLoop;
    expect(rep).toMatchObject({ heldUpShare: null, notHeldP99Ms: null, generatorBound: null, loopDelayMaxMs: null });
  });

  it('keeps a resilience run whole through a write and a read: each scenario measured, not applicable, failed, or not reached', () => {
    const r = resilienceFixture();
    const sub = join(dir, 'resilience');
    mkdirSync(sub);
    writeResults(sub, r);
    const read = readResults(sub);
    expect(read).toEqual(r);
    const statuses = read.variants.flatMap((v) => (v.status === 'ok' ? Object.values(v.resilience ?? {}).map((x) => x?.status ?? null) : []));
    expect(new Set(statuses)).toEqual(new Set(['measured', 'not-applicable', 'failed', null]));
  });

  it('refuses a measured scenario without its figures, and one not applicable without its reason', () => {
    const r = resilienceFixture();
    const loop = r.variants[0];
    if (loop?.status !== 'ok' || loop.resilience === null || loop.resilience === undefined) throw new Error('fixture: single-loop is measured');
    loop.resilience.idleFlood = { status: 'measured' } as never;
    expect(() => writeResults(dir, r)).toThrow(/idleFlood/);
    loop.resilience.idleFlood = null;
    loop.resilience.killedWorker = { status: 'not-applicable' } as never;
    expect(() => writeResults(dir, r)).toThrow(/reason/);
  });

  it('reads a version 3 file as version 4: no sweep, no capacity, no open loop, no targets', () => {
    const v4 = fixtureResults();
    const v3 = JSON.parse(JSON.stringify(v4));
    v3.version = 3;
    delete v3.settings.capacity;
    delete v3.settings.targets;
    for (const v of v3.variants) {
      for (const c of v.cells) {
        delete c.sweep;
        delete c.capacityRps;
        for (const r of c.repetitions) delete r.openLoop;
      }
    }
    const file = join(dir, 'v3.json');
    writeFileSync(file, JSON.stringify(v3));
    expect(readResults(file)).toEqual(v4);
  });

  it('reads a version 2 file as the current version: fairness, first responses, server CPU share and bottleneck unknown (null)', () => {
    const v3 = fixtureResults();
    const v2 = JSON.parse(JSON.stringify(v3));
    v2.version = 2;
    for (const v of v2.variants) {
      for (const c of v.cells) {
        delete c.bottleneck;
        for (const k of ['serverCpuShare', 'fairnessJain', 'firstResponseP99Ms', 'firstResponseMaxMs']) delete c.summary[k];
        for (const r of c.repetitions) for (const k of ['serverCpuShare', 'fairness', 'firstResponseMs']) delete r[k];
      }
    }
    const file = join(dir, 'v2.json');
    writeFileSync(file, JSON.stringify(v2));
    const read = readResults(file);
    expect(read.version).toBe(RESULTS_VERSION);
    const cell = read.variants[0]?.status === 'ok' ? read.variants[0].cells[0] : undefined;
    if (cell?.status !== 'ok') throw new Error('fixture: the first cell is measured');
    expect(cell.bottleneck).toBeNull();
    expect(cell.summary.fairnessJain).toBeNull();
    expect(cell.summary.firstResponseMaxMs).toBeNull();
    expect(cell.repetitions[0]).toMatchObject({ fairness: null, firstResponseMs: null, serverCpuShare: null });
    // and what version 3 holds survives a write and a read
    writeResults(dir, v3);
    expect(readResults(dir)).toEqual(v3);
  });

  it('reads a version 1 file as the current version: autocannonVersion dropped, each cell and variant with only the fields of its status', () => {
    const v2 = fixtureResults();
    const loop = v2.variants.find((v) => v.name === 'single-loop');
    if (loop?.status !== 'ok' || loop.cells[0] === undefined) throw new Error('fixture: single-loop is measured');
    loop.cells[0] = {
      workload: 'plaintext',
      connections: 64,
      pipelining: 1,
      workers: null,
      status: 'failed',
      reason: 'the server exited during the run (crashed)',
      repetitions: [],
      sweep: null,
    };
    const refused = v2.variants.findIndex((v) => v.name === 'blocking');
    v2.variants[refused] = {
      name: 'blocking',
      model: 'blocking',
      status: 'refused',
      reason: 'failed verification: x',
      verification: { ok: false, failures: ['x'] },
      output: [],
    };
    // The same run as version 1 wrote it: every field on every cell and variant, null where unused.
    const v1 = JSON.parse(JSON.stringify(v2));
    v1.version = 1;
    for (const v of v1.variants) delete v.model;
    v1.environment.autocannonVersion = '8.0.0';
    Object.assign(v1.variants[0].cells[0], { clientBound: false, summary: null });
    Object.assign(v1.variants[refused], { cells: [], pids: [], info: {} });
    const file = join(dir, 'v1.json');
    writeFileSync(file, JSON.stringify(v1));

    const read = readResults(file);
    expect(read.version).toBe(RESULTS_VERSION);
    expect(read).toEqual(v2);
    expect('autocannonVersion' in read.environment).toBe(false);
  });

  it('refuses an ok cell without its summary, and a failed cell without its reason', () => {
    const r = fixtureResults();
    const loop = r.variants[0];
    if (loop?.status !== 'ok' || loop.cells[0]?.status !== 'ok') throw new Error('fixture: the first cell is measured');
    const { summary: _, ...noSummary } = loop.cells[0];
    loop.cells[0] = noSummary as never;
    expect(() => writeResults(dir, r)).toThrow(/summary/);
    loop.cells[0] = { workload: 'json', connections: 64, pipelining: 1, status: 'failed', repetitions: [] } as never;
    expect(() => writeResults(dir, r)).toThrow(/reason/);
  });
});
