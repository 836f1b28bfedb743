import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CBENCH } from '../../shared/built.js';
import { seededRandom } from '../../shared/random.js';
import { cellsOf, type Results, setVariant } from '../results/results.js';
import { writeResults } from '../results/store.js';
import { type Comparison, compare, renderMarkdown, renderTerminal } from './compare.js';
import { fixtureResults } from './test-support/fixture.js';
import { DEFAULT_THRESHOLDS } from './thresholds.js';

const out = mkdtempSync(join(tmpdir(), 'cbench-compare-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const options = { test: 'welch' as const, seed: 1, thresholds: DEFAULT_THRESHOLDS };

/**
 * The fixture run with 10 repetitions per cell, each varied by up to ±noise (seeded), and the
 * cells named in `slower` at `factor` times their requests/s (and CPU per request / factor).
 */
function run(seed: number, noise: number, slower: string[] = [], factor = 1, clientBound: string[] = []): Results {
  const r = fixtureResults({ clientBound });
  const random = seededRandom(seed);
  for (const v of r.variants) {
    for (const c of cellsOf(v)) {
      const f = slower.includes(`${v.name}/${c.workload}`) ? factor : 1;
      const template = c.repetitions[0]!;
      c.repetitions = Array.from({ length: 10 }, () => {
        const jitter = 1 + (random() * 2 - 1) * noise;
        const rps = template.requestsPerSec * f * jitter;
        return {
          ...template,
          requestsPerSec: rps,
          requests: Math.round(rps * 3),
          serverCpuUsPerRequest: ((template.serverCpuUsPerRequest ?? 0) / f) * jitter,
          latencyMs: { ...template.latencyMs, p99: template.latencyMs.p99 * jitter },
        };
      });
    }
  }
  return r;
}

function save(name: string, r: Results): string {
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  writeResults(dir, r);
  return dir;
}

describe('cbench compare', () => {
  it('flags a 30% slowdown as a regression, significant after correction, and exits 1 under --fail-on-regression', () => {
    const { rows } = compare(run(1, 0.03), run(2, 0.03, ['single-loop/plaintext'], 0.7), options);
    const hit = rows.find((r) => r.variant === 'single-loop' && r.workload === 'plaintext' && r.metric === 'requestsPerSec');
    expect(hit).toMatchObject({ regression: true, stars: '***' });
    expect(hit?.changePct).toBeCloseTo(-30, -1);
    expect(hit?.ci[1]).toBeLessThan(-20);
    expect(rows.filter((r) => r.regression).map((r) => `${r.variant}/${r.workload}/${r.metric}`)).toEqual([
      'single-loop/plaintext/requestsPerSec',
      'single-loop/plaintext/serverCpuUsPerRequest',
    ]);

    const base = save('base', run(1, 0.03));
    const head = save('slow', run(2, 0.03, ['single-loop/plaintext'], 0.7));
    const md = join(out, 'comment.md');
    const cli = spawnSync(process.execPath, [CBENCH, 'compare', base, head, '--fail-on-regression', '--markdown', md], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(1);
    expect(cli.stdout).toMatch(/single-loop\s+plaintext\s+64\s+1\s+req\/s .* REGRESSION/);
    expect(readFileSync(md, 'utf8')).toMatch(/\*\*2 regressions\*\*/);
  });

  it('does not flag pure noise of ±3%', () => {
    const { rows } = compare(run(3, 0.03), run(4, 0.03), options);
    expect(rows.length).toBe(5 * 5 * 4);
    expect(rows.filter((r) => r.regression)).toEqual([]);
    const cli = spawnSync(process.execPath, [CBENCH, 'compare', save('noise-a', run(3, 0.03)), save('noise-b', run(4, 0.03)), '--fail-on-regression'], {
      encoding: 'utf8',
    });
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/no regression/);
  });

  it('still flags a drop when only the base was client-bound (its figure is a floor, so the drop is real)', () => {
    const { rows } = compare(run(7, 0.03, [], 1, ['single-loop/plaintext']), run(8, 0.03, ['single-loop/plaintext'], 0.7), options);
    expect(rows.find((r) => r.variant === 'single-loop' && r.workload === 'plaintext' && r.metric === 'requestsPerSec')?.regression).toBe(true);
  });

  it("never counts the req/s or p99 of a cell whose head was client-bound as a regression, but judges the server's own CPU per request", () => {
    const { rows } = compare(run(5, 0.03), run(6, 0.03, ['single-loop/plaintext'], 0.7, ['single-loop/plaintext']), options);
    const cell = rows.filter((r) => r.variant === 'single-loop' && r.workload === 'plaintext');
    const of = (metric: string) => cell.find((r) => r.metric === metric);
    for (const metric of ['requestsPerSec', 'latencyP99Ms'])
      expect(of(metric)).toMatchObject({ regression: false, excluded: 'client-bound: the figures are floors' });
    expect(of('requestsPerSec')?.stars).toBe('***');
    // The fixture's head made CPU per request 1/0.7 times the base's: the server's own figure, a regression whoever set the pace.
    expect(of('serverCpuUsPerRequest')).toMatchObject({ regression: true });
    expect(of('serverCpuUsPerRequest')?.excluded).toBeUndefined();
  });

  it('says which cells it could not judge, and why: a failed cell, a variant never measured, a cell on one side only', () => {
    const base = run(9, 0.03);
    const head = run(10, 0.03);
    const loop = head.variants.find((v) => v.name === 'single-loop');
    if (loop?.status !== 'ok') throw new Error('fixture: single-loop is measured');
    const [plain, ...rest] = loop.cells;
    if (plain === undefined) throw new Error('fixture: single-loop has cells');
    loop.cells = [{ ...plain, status: 'failed', reason: 'sample 2 of 10: the server did not start: exited with 1' }, ...rest.slice(0, -1)];
    setVariant(head, {
      name: 'blocking',
      status: 'refused',
      reason: 'failed verification: GET /plaintext: status 500',
      verification: { ok: false, failures: [] },
      output: [],
    });
    const report = compare(base, head, options);
    expect(report.unjudged).toEqual([
      { variant: 'single-loop', cell: 'plaintext c=64 p=1', reason: 'head: sample 2 of 10: the server did not start: exited with 1' },
      { variant: 'single-loop', cell: 'echo c=64 p=1', reason: 'not measured in the head run' },
      { variant: 'blocking', cell: null, reason: 'head refused: failed verification: GET /plaintext: status 500' },
    ]);
    expect(report.rows.some((r) => r.variant === 'blocking' || (r.variant === 'single-loop' && ['plaintext', 'echo'].includes(r.workload)))).toBe(false);
    expect(report.rows.filter((r) => r.variant === 'single-loop')).toHaveLength(3 * 4);
    const md = renderMarkdown(report, base, head);
    expect(md).toMatch(/no regression; 2 cells and 1 variant could not be judged \(below\)\./);
    expect(md).toMatch(/### Not judged\n\n- single-loop plaintext c=64 p=1: head: sample 2 of 10/);
    expect(renderTerminal(report)).toMatch(/Not judged \(3\):\n {2}single-loop plaintext c=64 p=1: head: sample 2 of 10/);
  });

  it("judges capacity runs by whether the capacity ranges part: a 30% drop on the sweep's grid is a regression, the same run is not", () => {
    /** The fixture's capacity run, with single-loop plaintext's sweep scaled by `factor` (its rates, capacities and what it served). */
    const capacityRun = (factor: number, slo?: number): Results => {
      const r = fixtureResults({ capacity: true });
      for (const v of r.variants) {
        for (const c of cellsOf(v)) {
          if (c.status !== 'ok' || c.sweep === null) continue;
          if (slo !== undefined) c.sweep.sloP99Ms = slo;
          if (v.name !== 'single-loop' || c.workload !== 'plaintext') continue;
          for (const p of c.sweep.points) p.offeredRps *= factor;
          c.sweep.capacityByRepetition = c.sweep.capacityByRepetition.map((x) => (x === null ? null : x * factor));
          c.capacityRps = c.capacityRps === null ? null : c.capacityRps * factor;
        }
      }
      return r;
    };
    const capacityRows = (rows: Comparison[]) => rows.filter((r) => r.metric === 'capacityRps');
    // Two repetitions a side that agree exactly, as capacities on a grid of rates do: no rank test
    // could call that significant, and the ranges still tell.
    const dropped = compare(capacityRun(1), capacityRun(0.7), options);
    expect(capacityRows(dropped.rows).length).toBeGreaterThan(0);
    const hit = capacityRows(dropped.rows).find((r) => r.variant === 'single-loop' && r.workload === 'plaintext');
    expect(hit).toMatchObject({ separated: true, regression: true });
    expect(hit?.changePct).toBeCloseTo(-30, 5);
    expect(capacityRows(dropped.rows).filter((r) => r.regression)).toHaveLength(1);
    expect(renderTerminal(dropped)).toMatch(/single-loop\s+plaintext\s+64\s+1\s+capacity .* REGRESSION/);
    // A 5% drop keeps the ranges overlapping: not told apart, not a regression.
    expect(capacityRows(compare(capacityRun(1), capacityRun(0.95), options).rows).filter((r) => r.regression)).toEqual([]);
    expect(capacityRows(compare(capacityRun(1), capacityRun(1), options).rows).filter((r) => r.regression)).toEqual([]);
    // Capacities at different objectives are different questions: not compared, and said so.
    const other = compare(capacityRun(1), capacityRun(0.7, 99), options);
    expect(capacityRows(other.rows)).toEqual([]);
    expect(other.unjudged).toContainEqual({
      variant: 'single-loop',
      cell: 'plaintext c=64 p=1',
      reason: 'capacity at different objectives (base p99 ≤ 10 ms, head 99 ms)',
    });
    // A head whose capacity is a floor (the generator explained its first miss) is never judged,
    // however far it fell: the server may have taken more than the generator could offer.
    for (const why of ['delayed', 'saturated'] as const) {
      const floor = capacityRun(0.7);
      for (const c of cellsOf(floor.variants.find((v) => v.name === 'single-loop') as Results['variants'][number]))
        if (c.workload === 'plaintext' && c.sweep !== null) c.sweep.generatorBoundAtMiss = why;
      const row = capacityRows(compare(capacityRun(1), floor, options).rows).find((r) => r.variant === 'single-loop' && r.workload === 'plaintext');
      expect(row).toMatchObject({ regression: false });
      expect(row?.excluded).toMatch(/^a floor: the load generator/);
      expect(renderTerminal(compare(capacityRun(1), floor, options))).toMatch(/single-loop\s+plaintext\s+64\s+1\s+capacity .*not judged \(a floor: /);
    }
  });

  it('a missing or unreadable results file is a runtime error: one line naming it, exit 1, no usage', () => {
    const missing = spawnSync(process.execPath, [CBENCH, 'compare', join(out, 'nope.json'), join(out, 'nope.json')], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`error: ${join(out, 'nope.json')} does not exist: expected a results.json, a run folder or an A/B run's folder\n`);
    const garbage = join(out, 'garbage.json');
    writeFileSync(garbage, '{ not json');
    const bad = spawnSync(process.execPath, [CBENCH, 'compare', garbage, garbage], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(new RegExp(`^error: ${garbage} could not be read as JSON: .*\n$`));
  });

  it('two runs with no cell to compare (one repetition each) is a runtime error naming the cells, exit 1', () => {
    const one = fixtureResults({});
    for (const v of one.variants) for (const c of cellsOf(v)) c.repetitions = c.repetitions.slice(0, 1);
    const a = save('one-a', one);
    const b = save('one-b', one);
    const cli = spawnSync(process.execPath, [CBENCH, 'compare', a, b], { encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(cli.stderr.split('\n')).toHaveLength(2);
    expect(cli.stderr).toMatch(
      /^error: .* share no measured cell with at least two repetitions each to compare \(single-loop plaintext c=64 p=1: fewer than 2 repetitions \(base 1, head 1\);/,
    );
  });

  it("takes an A/B run's folder, alone or named twice, as its base against its head, judged on its pairs; a lone run folder is a usage error", () => {
    const dir = join(out, 'ab-run');
    const { base, head } = abRun({ seed: 5, speeds: phases(6), noise: 0.01, factor: 0.85 });
    for (const [side, r] of [
      ['base', base],
      ['head', head],
    ] as const) {
      mkdirSync(join(dir, side), { recursive: true });
      writeResults(join(dir, side), r);
    }
    for (const args of [[dir], [dir, dir]]) {
      const cli = spawnSync(process.execPath, [CBENCH, 'compare', ...args, '--fail-on-regression'], { encoding: 'utf8' });
      expect(cli.status, cli.stderr).toBe(1);
      expect(cli.stdout).toMatch(/Judged on the pairs of the A\/B run/);
      expect(cli.stdout).toMatch(/single-loop\s+plaintext\s+64\s+1\s+req\/s .* REGRESSION/);
    }
    const lone = spawnSync(process.execPath, [CBENCH, 'compare', save('lone', run(1, 0.03))], { encoding: 'utf8' });
    expect(lone.status).toBe(2);
    expect(lone.stderr.split('\n')[0]).toMatch(/is not an A\/B run's folder \(with base\/ and head\/\): give two runs to compare$/);
    // One side of it against another run: the folder is not a run.
    const mixed = spawnSync(process.execPath, [CBENCH, 'compare', dir, save('other', run(1, 0.03))], { encoding: 'utf8' });
    expect(mixed.status).toBe(1);
    expect(mixed.stderr).toMatch(/is an A\/B run's folder, with two runs: .*\/base and .*\/head\n$/);
  });
});

/**
 * The two sides of an A/B run of the fixture: 10 pairs per cell, the machine's speed in pair i
 * `speeds[i]` (both samples of a pair alike, as alternation makes them), each sample varied by up
 * to ±noise, the head at `factor` times the base's requests/s (and its CPU per request / factor);
 * the canary slower in proportion to the machine, or as `canaries` says for a pair.
 */
function abRun(opts: {
  seed: number;
  speeds: number[];
  noise: number;
  factor: number;
  canaries?: Record<number, { base?: [number, number]; head?: [number, number] }>;
}) {
  const random = seededRandom(opts.seed);
  const sides = { base: fixtureResults({}), head: fixtureResults({}) };
  for (const side of ['base', 'head'] as const) {
    const f = side === 'head' ? opts.factor : 1;
    for (const v of sides[side].variants) {
      for (const c of cellsOf(v)) {
        const template = c.repetitions[0]!;
        c.repetitions = opts.speeds.map((speed, i) => {
          const jitter = 1 + (random() * 2 - 1) * opts.noise;
          const rps = template.requestsPerSec * speed * f * jitter;
          const [beforeMs, afterMs] = opts.canaries?.[i]?.[side] ?? [3.3 / speed, 3.3 / speed];
          return {
            ...template,
            requestsPerSec: rps,
            requests: Math.round(rps * 3),
            serverCpuUsPerRequest: ((template.serverCpuUsPerRequest ?? 0) / speed / f) * jitter,
            latencyMs: { ...template.latencyMs, p99: (template.latencyMs.p99 / speed) * jitter },
            canary: { beforeMs, afterMs },
          };
        });
      }
    }
  }
  return sides;
}

/** The machine in one of two speeds about 2× apart, switching between pairs (seeded). */
const phases = (seed: number) => {
  const random = seededRandom(seed);
  return Array.from({ length: 10 }, () => (random() < 0.5 ? 1 : 2));
};

describe('cbench compare on the pairs of an A/B run', () => {
  const row = (rows: Comparison[], metric: string) => rows.find((r) => r.variant === 'single-loop' && r.workload === 'plaintext' && r.metric === metric);

  it('catches a 15% slowdown on a machine whose speed swings 2× between pairs, which two unpaired groups miss', () => {
    const { base, head } = abRun({ seed: 5, speeds: phases(6), noise: 0.01, factor: 0.85 });
    const paired = compare(base, head, { ...options, paired: true });
    expect(row(paired.rows, 'requestsPerSec')).toMatchObject({ regression: true, underpowered: false, pairs: { used: 10, droppedForSpeed: 0 } });
    expect(row(paired.rows, 'requestsPerSec')?.changePct).toBeCloseTo(-15, 0);
    // Peak RSS, the same in every sample, is not flagged.
    expect(row(paired.rows, 'serverPeakRssBytes')).toMatchObject({ regression: false, changePct: 0 });
    const unpaired = compare(base, head, options);
    const u = row(unpaired.rows, 'requestsPerSec');
    expect(u).toMatchObject({ regression: false, pairs: null, underpowered: true });
    expect(u?.mdcPct).toBeGreaterThan(DEFAULT_THRESHOLDS.requestsPerSec);
    expect(renderTerminal(unpaired)).toMatch(/Two separate runs, compared as two groups: a change of the machine/);
    expect(renderTerminal(paired)).toMatch(/Judged on the pairs of the A\/B run/);
  });

  it('does not flag a machine that swung 2× with no change in the code', () => {
    const { base, head } = abRun({ seed: 7, speeds: phases(8), noise: 0.01, factor: 1 });
    expect(compare(base, head, { ...options, paired: true }).rows.filter((r) => r.regression)).toEqual([]);
  });

  it("leaves out a pair the machine's speed changed within, and says how many; too few left is not judged, with the reason", () => {
    const speeds = Array.from({ length: 10 }, () => 1);
    const one = abRun({ seed: 9, speeds, noise: 0.01, factor: 1, canaries: { 3: { head: [3.3, 6.6] } } });
    const r = row(compare(one.base, one.head, { ...options, paired: true }).rows, 'requestsPerSec');
    expect(r?.pairs).toEqual({ used: 9, droppedForSpeed: 1 });
    // Between the two samples of a pair counts too.
    const between = abRun({ seed: 9, speeds, noise: 0.01, factor: 1, canaries: { 0: { base: [6.6, 6.6] } } });
    expect(row(compare(between.base, between.head, { ...options, paired: true }).rows, 'requestsPerSec')?.pairs).toEqual({ used: 9, droppedForSpeed: 1 });
    const unsteady = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [i, { head: [3.3, 6.6] as [number, number] }]));
    const most = abRun({ seed: 9, speeds, noise: 0.01, factor: 1, canaries: unsteady });
    const report = compare(most.base, most.head, { ...options, paired: true });
    expect(row(report.rows, 'requestsPerSec')).toBeUndefined();
    expect(report.unjudged).toContainEqual({
      variant: 'single-loop',
      cell: 'plaintext c=64 p=1',
      reason: "req/s: the machine's speed changed within 9 of its pairs (canary), leaving 1: too few to judge",
    });
  });

  it('the minimum detectable change of a paired comparison: as computed from the noncentral t by hand, for the one cell compared', () => {
    const { base, head } = abRun({ seed: 11, speeds: Array.from({ length: 10 }, () => 1), noise: 0.02, factor: 1 });
    // One cell only, so four comparisons (req/s, p99, CPU/req, RSS) and Holm's strictest level 0.05/4.
    for (const r of [base, head]) {
      r.variants = r.variants.slice(0, 1);
      const v = r.variants[0]!;
      if (v.status === 'ok') v.cells = v.cells.slice(0, 1);
    }
    const { rows } = compare(base, head, { ...options, paired: true });
    expect(rows).toHaveLength(4);
    const r = rows.find((x) => x.metric === 'requestsPerSec')!;
    const b = cellsOf(base.variants[0]!)[0]!;
    const h = cellsOf(head.variants[0]!)[0]!;
    if (b.status !== 'ok' || h.status !== 'ok') throw new Error('fixture');
    const d = b.repetitions.map((x, i) => Math.log(h.repetitions[i]!.requestsPerSec / x.requestsPerSec));
    const m = d.reduce((s, x) => s + x, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / (d.length - 1));
    // δ for df 9 at 0.0125 and 80% power, from scipy (see stats.test.ts): 4.061302486778149.
    expect(r.mdcPct).toBeCloseTo((1 - Math.exp((-4.061302486778149 * sd) / Math.sqrt(10))) * 100, 6);
    expect(r.underpowered).toBe(false);
  });

  it('a cell whose noise hides the threshold is not judged with enough power, with how many pairs would do, in the table and the summary', () => {
    const { base, head } = abRun({ seed: 13, speeds: Array.from({ length: 10 }, () => 1), noise: 0.25, factor: 1 });
    const report = compare(base, head, { ...options, paired: true });
    const r = row(report.rows, 'requestsPerSec');
    expect(r).toMatchObject({ regression: false, underpowered: true });
    expect(r?.mdcPct).toBeGreaterThan(10);
    expect(r?.samplesNeeded).toBeGreaterThan(10);
    expect(renderTerminal(report)).toMatch(/not judged with enough power \(MDC \d+\.\d% > threshold 10%; about \d+ pairs would reach it\)/);
    expect(renderMarkdown(report, base, head)).toMatch(/\*\*\d+ of \d+ comparisons not judged with enough power/);
    // A real regression is one whatever its power.
    const slow = abRun({ seed: 13, speeds: Array.from({ length: 10 }, () => 1), noise: 0.25, factor: 0.4 });
    expect(row(compare(slow.base, slow.head, { ...options, paired: true }).rows, 'requestsPerSec')).toMatchObject({ regression: true, underpowered: false });
  });
});
