import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CBENCH } from '../shared/built.js';
import { seededRandom } from '../shared/random.js';
import { type Comparison, compare, renderMarkdown, renderTerminal } from './compare.js';
import { fixtureResults } from './report/test-support/fixture.js';
import { cellsOf, type Results, setVariant, writeResults } from './results.js';
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

  it('never counts a cell whose head was client-bound as a regression', () => {
    const { rows } = compare(run(5, 0.03), run(6, 0.03, ['single-loop/plaintext'], 0.7, ['single-loop/plaintext']), options);
    const cell = rows.filter((r) => r.variant === 'single-loop' && r.workload === 'plaintext');
    expect(cell.every((r) => !r.regression && r.excluded === 'client-bound: the figures are floors')).toBe(true);
    expect(cell.find((r) => r.metric === 'requestsPerSec')?.stars).toBe('***');
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

  it('refuses a file that is not a results file with exit 2', () => {
    const cli = spawnSync(process.execPath, [CBENCH, 'compare', join(out, 'nope.json'), join(out, 'nope.json')], { encoding: 'utf8' });
    expect(cli.status).toBe(2);
    expect(cli.stderr.split('\n')[0]).toMatch(/^error: /);
  });
});
