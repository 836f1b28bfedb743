import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_RPS, fixtureResults, HEAVY, QUICK } from '../analysis/test-support/fixture.js';
import { cellsOf, type OkCell, type Results } from '../results/results.js';
import { writeResults } from '../results/store.js';
import { charts } from './charts.js';
import { quickRoute } from './facts.js';
import { findings } from './findings.js';
import { type CapacityRow, capacityFindings, capacitySummary, capacityTables, latencyAt } from './sections/capacity.js';
import { summaryTable } from './sections/cells.js';
import { heavyShareSeries, routeFindings, routeTables } from './sections/routes.js';
import { html, markdown, writeReport } from './write.js';

const dir = mkdtempSync(join(tmpdir(), 'cbench-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const variants = Object.keys(FIXTURE_RPS);

/** The measured cell `variant/workload` of a run, to change in place. */
function cellOf(r: Results, name: string): OkCell {
  const [variant, workload] = name.split('/');
  const cell = cellsOf(r.variants.find((v) => v.name === variant) ?? { name: '', status: 'not-run' }).find((c) => c.workload === workload);
  if (cell?.status !== 'ok') throw new Error(`the fixture has no measured cell ${name}`);
  return cell;
}

function infoOf(r: Results, variant: string): Record<string, string | number> {
  const v = r.variants.find((x) => x.name === variant);
  if (v === undefined || !('info' in v)) throw new Error(`the fixture has no started variant ${variant}`);
  return v.info;
}

/** A workload's Markdown table as rows of header → cell text. */
function mdTable(md: string, workload: string): Array<Record<string, string>> {
  const section = md.split(`## ${workload}\n`)[1]?.split('\n## ')[0] ?? '';
  const [head, , ...rows] = section
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .map((l) => l.slice(2, -2).split(' | '));
  return rows.map((row) => Object.fromEntries((head ?? []).map((h, i) => [h, row[i] ?? ''])));
}

const row = (md: string, workload: string, variant: string) => mdTable(md, workload).find((r) => r.variant === variant);
const unevenly = (f: string[]) => f.filter((s) => / served its .* unevenly: /.test(s));
const lateFirst = (f: string[]) => f.filter((s) => /first responses on fresh connections came as late as/.test(s));

describe('report from a fixture results file', () => {
  it('writes a Markdown table per workload with every variant, and embeds the charts', async () => {
    writeResults(dir, fixtureResults());
    const written = await writeReport(dir);
    const md = readFileSync(written.markdown, 'utf8');
    for (const workload of ['plaintext', 'json', 'cpu', 'io', 'echo']) {
      const section = md.split(`## ${workload}\n`)[1]?.split('\n## ')[0] ?? '';
      for (const v of variants) expect(section, `${workload} table`).toMatch(new RegExp(`^\\| ${v} \\| 64 \\| 1 \\|`, 'm'));
    }
    expect(md).toContain('| 50,000 (49,000–51,000) |');
    expect(md).toContain('| 2.00× |'); // single-loop plaintext against node-http's 25,000
    for (const c of written.charts) expect(md).toContain(`(charts/${c.split('/').pop()})`);
  });

  it('renders every chart as SVG that parses as XML and names every variant', async () => {
    const written = await writeReport(dir);
    expect(written.charts.map((c) => c.split('/').pop()).sort()).toEqual(['cpu.svg', 'latency.svg', 'throughput.svg']);
    for (const file of written.charts) {
      const svg = readFileSync(file, 'utf8');
      expect(XMLValidator.validate(svg), file).toBe(true);
      for (const v of variants) expect(svg, `${file} names ${v}`).toContain(`>${v}<`);
    }
  });

  it('adds requests/s against connections when the run swept them', async () => {
    const swept = fixtureResults();
    swept.settings.connections = [16, 64];
    for (const v of swept.variants) if (v.status === 'ok') v.cells.push(...v.cells.map((c) => ({ ...c, connections: 16 })));
    const sweptDir = join(dir, 'swept');
    mkdirSync(sweptDir);
    writeResults(sweptDir, swept);
    const written = await writeReport(sweptDir);
    const file = written.charts.find((c) => c.endsWith('connections.svg'));
    expect(file).toBeDefined();
    const svg = readFileSync(file as string, 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    for (const v of variants) expect(svg).toContain(`>${v}<`);
  });

  it('finds the winner the fixture was built with, the blocking collapse, and the thread cap', () => {
    const f = findings(fixtureResults());
    expect(f).toContain(
      'plaintext: single-loop served the most at 64 connections, 50,000 req/s, 1.67× the runner-up cluster (30,000); node-http 25,000 (single-loop 2.00× that).',
    );
    expect(f.find((s) => s.startsWith('cpu:'))).toMatch(/^cpu: cluster served the most .* 1,900 req\/s/);
    expect(f.find((s) => s.startsWith('echo:'))).toMatch(/^echo: node-http and single-loop were within 5% of each other/);
    expect(f).toContainEqual(expect.stringMatching(/^io: blocking collapsed to 90 req\/s, 57× fewer than cluster/));
    expect(f).toContainEqual(
      expect.stringMatching(/^io: the worker pool is capped by its threads: 2 thread\(s\) × 1 task\(s\) each, each waiting 10 ms, allow about 200 req\/s/),
    );
    expect(f).toContainEqual(expect.stringMatching(/^plaintext: the worker pool's cross-thread cost shows/));
  });

  it('says when a winner is only a floor because the load generator was saturated', () => {
    const f = findings(fixtureResults({ clientBound: ['single-loop/plaintext'] }));
    expect(f.find((s) => s.startsWith('plaintext:'))).toMatch(/so its figure is a floor/);
    expect(f).toContainEqual(expect.stringMatching(/^Floors, not limits .*: single-loop on plaintext\./));
  });
});

describe('fairness, first responses and saturation', () => {
  it('flags an unfair cell with its spread and, for a worker pool on piscina’s queue, that queue as the cause', () => {
    const r = fixtureResults({ unfair: ['worker-pool/cpu', 'single-loop/json'] });
    infoOf(r, 'worker-pool').queue = 'piscina';
    const f = unevenly(findings(r));
    expect(f).toHaveLength(2);
    expect(f).toContainEqual(
      expect.stringMatching(
        /^cpu: worker-pool served its 64 connections unevenly: Jain's index 0\.60 \(1 is even; below 0\.9, or a connection served less than a quarter as often as the median one, is flagged\); in its median repetition a connection completed 40 to 270 requests, median 150\. .*Likely cause: piscina's default queue .* --queue fifo, now the default/,
      ),
    );
    expect(f).toContainEqual(
      expect.stringMatching(/^json: single-loop served its 64 connections unevenly: .*Likely cause: the server answered some connections before others/),
    );
    expect(f.find((s) => s.startsWith('json:'))).not.toMatch(/piscina/);
  });

  it('flags a starved connection that Jain’s index hardly sees (0.98), and not one served a little less than the rest', () => {
    const f = unevenly(findings(fixtureResults({ starved: ['node-http/cpu'] })));
    expect(f).toEqual([
      expect.stringMatching(/^cpu: node-http served its 64 connections unevenly: Jain's index 0\.98 .* a connection completed 15 to 155 requests, median 150/),
    ]);
  });

  it('does not blame piscina’s queue for a worker pool that serves FIFO, and says when the generator was saturated too', () => {
    const f = unevenly(findings(fixtureResults({ unfair: ['worker-pool/cpu'], clientBound: ['worker-pool/cpu'] })));
    expect(f).toHaveLength(1);
    expect(f[0]).not.toMatch(/piscina/);
    expect(f[0]).toMatch(/The load generator was saturated as well/);
  });

  it('reports no unfairness and no late first responses for an even run', () => {
    const f = findings(fixtureResults());
    expect(unevenly(f)).toEqual([]);
    expect(lateFirst(f)).toEqual([]);
  });

  it('explains late first responses as ramp-up, and cluster’s round-robin handoff where it schedules rr', () => {
    const f = lateFirst(findings(fixtureResults({ slowFirstResponse: ['cluster/plaintext', 'single-loop/io'] })));
    expect(f).toHaveLength(2);
    const cluster = f.find((s) => s.startsWith('plaintext: cluster'));
    expect(cluster).toMatch(
      /^plaintext: cluster's first responses on fresh connections came as late as 1,800 ms \(p99 1,500 ms\) at 64 connections, 300× its steady-state p99 of 6\.0 ms\./,
    );
    expect(cluster).toMatch(/opened and answered before the measured window, so this is ramp-up, not steady state/);
    expect(cluster).toMatch(/With schedule=rr the primary .* one at a time.*--schedule os/);
    const loop = f.find((s) => s.startsWith('io: single-loop'));
    expect(loop).toMatch(/ramp-up, not steady state/);
    expect(loop).not.toMatch(/schedule/);
  });

  it('does not name the round-robin handoff for a cluster that lets the kernel schedule', () => {
    const r = fixtureResults({ slowFirstResponse: ['cluster/plaintext'] });
    infoOf(r, 'cluster').schedule = 'os';
    const f = lateFirst(findings(r));
    expect(f).toHaveLength(1);
    expect(f[0]).not.toMatch(/schedule=rr/);
  });

  // Steady-state p99 is 6 ms in every fixture cell; the rule is max ≥ 10 × p99 and ≥ 100 ms.
  const late: Array<{ name: string; max: number; p99: number; flagged: boolean }> = [
    { name: 'well past both bounds', max: 1800, p99: 6, flagged: true },
    { name: 'exactly at both bounds', max: 100, p99: 10, flagged: true },
    { name: 'ten times p99 but under 100 ms (start-up noise)', max: 90, p99: 6, flagged: false },
    { name: 'over 100 ms but under ten times p99 (ordinary queueing)', max: 150, p99: 20, flagged: false },
  ];
  for (const c of late) {
    it(`first responses: ${c.name} → ${c.flagged ? 'reported' : 'not reported'}`, () => {
      const r = fixtureResults();
      const cell = cellOf(r, 'single-loop/plaintext');
      cell.summary.firstResponseMaxMs = { median: c.max, min: c.max, max: c.max };
      cell.summary.latencyP99Ms = { median: c.p99, min: c.p99, max: c.p99 };
      expect(lateFirst(findings(r))).toHaveLength(c.flagged ? 1 : 0);
    });
  }

  it('says when the generator and the server were both saturated, apart from the floors', () => {
    const r = fixtureResults({ clientBound: ['cluster/plaintext'] });
    const both = cellOf(r, 'single-loop/plaintext');
    both.bottleneck = 'both';
    both.summary.loadgenCpuShare = { median: 0.93, min: 0.92, max: 0.94 };
    const f = findings(r);
    expect(f).toContainEqual(
      expect.stringMatching(
        /^Load generator and server both saturated \(each used at least 90% of the CPU it could\): single-loop on plaintext \(generator 93%, server 95%\)\. The server was at its limit, so these are not floors/,
      ),
    );
    expect(f).toContainEqual(expect.stringMatching(/^Floors, not limits .*: cluster on plaintext\./));
    const md = markdown(r, []);
    expect(row(md, 'plaintext', 'single-loop')?.note).toBe('load generator and server both saturated');
    expect(row(md, 'plaintext', 'cluster')?.note).toBe('client-bound: a floor, not the server’s limit');
    expect(summaryTable(r)).toMatch(/^single-loop +plaintext .* generator and server saturated$/m);
  });
});

describe('fairness and first-response columns, and the load generator', () => {
  it('shows Jain and first response p99 / max per cell, and names the load generator in the report and the summary', () => {
    const r = fixtureResults({ unfair: ['worker-pool/cpu'], slowFirstResponse: ['cluster/plaintext'] });
    const md = markdown(r, []);
    expect(row(md, 'plaintext', 'cluster')).toMatchObject({ 'first response p99 / max ms': '1500.0 / 1800.0', 'fairness (Jain)': '1.00' });
    expect(row(md, 'cpu', 'worker-pool')).toMatchObject({ 'first response p99 / max ms': '30.0 / 31.0', 'fairness (Jain)': '0.60' });
    expect(md).toContain('- every figure measured by the load generator builtin 0.1.0\n');
    expect(html(r, [])).toContain('<li>every figure measured by the load generator builtin 0.1.0</li>');
    const summary = summaryTable(r);
    expect(summary).toMatch(/^variant +workload +conn +pipe +req\/s \(median\) +p99 ms +Jain /);
    expect(summary).toMatch(/^worker-pool +cpu +64 +1 +1,700 +6\.0 +0\.60 /m);
    expect(summary.split('\n').at(-1)).toBe('load generator: builtin 0.1.0');
  });

  it('renders — where the generator measured neither (autocannon, wrk), and says why', () => {
    const r = fixtureResults();
    r.environment.loadgen = { name: 'autocannon', version: '8.0.0' };
    for (const v of r.variants) {
      for (const c of cellsOf(v)) {
        for (const rep of c.repetitions) Object.assign(rep, { fairness: null, firstResponseMs: null });
        if (c.status === 'ok') Object.assign(c.summary, { fairnessJain: null, firstResponseP99Ms: null, firstResponseMaxMs: null });
      }
    }
    const md = markdown(r, []);
    for (const v of variants) expect(row(md, 'json', v)).toMatchObject({ 'first response p99 / max ms': '—', 'fairness (Jain)': '—' });
    expect(md).toContain('every figure measured by the load generator autocannon 8.0.0 (it, or this file’s version, records no per-connection fairness');
    expect(html(r, [])).toContain('<td data-value="-1">—</td>');
    expect(summaryTable(r)).toMatch(/^single-loop +plaintext +64 +1 +50,000 +6\.0 +— /m);
  });

  it('still reports a version 2 file, whose cells lack fairness, first responses and the bottleneck', async () => {
    const v2 = JSON.parse(JSON.stringify(fixtureResults())) as Record<string, unknown> & Results;
    v2.version = 2 as Results['version'];
    v2.environment.loadgen = { name: 'autocannon', version: '8.0.0' };
    for (const v of v2.variants) {
      for (const c of cellsOf(v)) {
        for (const rep of c.repetitions) for (const k of ['fairness', 'firstResponseMs', 'serverCpuShare']) delete (rep as Record<string, unknown>)[k];
        if (c.status !== 'ok') continue;
        delete (c as Record<string, unknown>).bottleneck;
        for (const k of ['fairnessJain', 'firstResponseP99Ms', 'firstResponseMaxMs', 'serverCpuShare']) delete (c.summary as Record<string, unknown>)[k];
      }
    }
    const v2Dir = join(dir, 'v2');
    mkdirSync(v2Dir);
    writeFileSync(join(v2Dir, 'results.json'), JSON.stringify(v2));
    const written = await writeReport(v2Dir);
    const md = readFileSync(written.markdown, 'utf8');
    for (const v of variants) expect(row(md, 'plaintext', v)).toMatchObject({ 'first response p99 / max ms': '—', 'fairness (Jain)': '—' });
    expect(row(md, 'plaintext', 'single-loop')?.['req/s median (min–max)']).toBe('50,000 (49,000–51,000)');
    expect(md).toContain('load generator autocannon 8.0.0');
    expect(md).not.toMatch(/unevenly|first responses on fresh connections|both saturated/);
    expect(written.charts).toHaveLength(3);
  });
});

/** A capacity table's rows as header → cell text, from the Markdown report. */
function capacityMd(md: string, workload: string): Array<Record<string, string>> {
  const section = md.split(new RegExp(`### ${workload}: capacity at [^\\n]*\\n`))[1]?.split('\n#')[0] ?? '';
  const [head, , ...rows] = section
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .map((l) => l.slice(2, -2).split(' | '));
  return rows.map((row) => {
    expect(row, 'every row has a cell per column').toHaveLength(head?.length ?? -1);
    return Object.fromEntries((head ?? []).map((h, i) => [h, row[i] ?? '']));
  });
}

/** The capacity row of a variant in a workload's table. */
function capacityRow(r: Results, workload: string, variant: string): CapacityRow {
  const row = capacityTables(r)
    .find((t) => t.workload === workload)
    ?.rows.find((x) => x.variant === variant);
  if (row === undefined) throw new Error(`no capacity row ${variant}/${workload}`);
  return row;
}

const sweepOf = (r: Results, name: string) => {
  const s = cellOf(r, name).sweep;
  if (s === null) throw new Error(`${name} has no sweep`);
  return s;
};

describe('capacity runs: the table', () => {
  const r = fixtureResults({ capacity: true });

  it('gives each variant its capacity, its ratio to node-http, its closed-loop maximum, first miss and shape past saturation', () => {
    const t = capacityTables(r).find((x) => x.workload === 'plaintext');
    expect(t?.sloP99Ms).toBe(10);
    expect(t?.rows.map((x) => x.variant)).toEqual(variants);
    expect(capacityRow(r, 'plaintext', 'single-loop')).toMatchObject({
      capacityRps: 45_000,
      vsNodeHttp: 2,
      maxRps: 50_000,
      firstMiss: { offeredRps: expect.closeTo(55_000, 6), why: ['behind', 'slo'] },
      pastSaturation: { shape: 'plateau', peakRps: 50_000, lastRps: 50_000 },
      recoveredAfterMiss: false,
    });
    expect(capacityRow(r, 'plaintext', 'worker-pool')).toMatchObject({
      capacityRps: 14_000,
      pastSaturation: { shape: 'collapse', peakRps: 16_000, lastRps: 8_000 },
    });
    expect(capacityRow(r, 'plaintext', 'cluster')).toMatchObject({
      capacityRps: 15_000,
      capacityByRepetition: [15_000, 27_000],
      recoveredAfterMiss: true,
      note: 'kept up again above its first miss: noisy, or rates too coarse',
    });
    const blocking = capacityRow(r, 'plaintext', 'blocking');
    expect(blocking.capacityRps).toBeNull();
    expect(blocking.vsNodeHttp).toBeUndefined();
    expect(blocking.at50).toBeUndefined();
  });

  it('reads p50 and p99 at 50% and 90% of a capacity by interpolating, in offered rate, between the two rates swept either side', () => {
    // single-loop plaintext: capacity 45,000; p99 at 12,500 / 25,000 / 35,000 / 45,000 offered is 3.25 / 4.5 / 5.5 / 6.5 ms, p50 a quarter.
    const row = capacityRow(r, 'plaintext', 'single-loop');
    expect(row.at50?.offeredRps).toBeCloseTo(22_500);
    expect(row.at50?.p99Ms).toBeCloseTo(3.25 + (10_000 / 12_500) * (4.5 - 3.25));
    expect(row.at50?.p50Ms).toBeCloseTo((3.25 + 0.8 * 1.25) / 4);
    expect(row.at90?.p99Ms).toBeCloseTo(5.5 + (5_500 / 10_000) * (6.5 - 5.5));
    const points = sweepOf(r, 'single-loop/plaintext').points;
    expect(latencyAt(points, 12_500)).toEqual({ offeredRps: 12_500, p50Ms: 3.25 / 4, p99Ms: 3.25 });
    expect(latencyAt([...points].reverse(), 18_750)?.p99Ms).toBeCloseTo((3.25 + 4.5) / 2);
    expect(latencyAt(points, 12_000)).toBeUndefined();
  });

  it('shows — for a latency whose rate is below the lowest rate swept, and marks a sweep that kept up again after a miss', () => {
    const low = fixtureResults({ capacity: true });
    cellOf(low, 'single-loop/plaintext').capacityRps = 12_500;
    const md = markdown(low, []);
    expect(capacityMd(md, 'plaintext').find((x) => x.variant === 'single-loop')).toMatchObject({
      'capacity req/s': '12,500',
      'p50 / p99 ms at 50%': '—',
      'p50 / p99 ms at 90%': '—',
    });
    expect(capacityMd(md, 'plaintext').find((x) => x.variant === 'cluster')).toMatchObject({ 'capacity req/s': '15,000*', 'range req/s': '15,000–33,000' });
  });

  it('writes a capacity section per workload into report.md and report.html, with the sweep and objectives in the header', () => {
    const md = markdown(r, []);
    expect(md).toContain('## Capacity at the latency objective');
    expect(md).toMatch(/interpolated linearly, in offered rate, between the two measured rates on either side/);
    expect(md).toContain(
      "- capacity sweep after each cell's closed loop: offered rates 25%, 50%, 70%, 90%, 110%, 130% (a percentage is of the cell's closed-loop maximum), poisson arrivals, 2 × 3 s per rate; p99 objective: plaintext 10 ms, json 10 ms, cpu 50 ms, io 50 ms, echo 10 ms\n",
    );
    for (const w of ['plaintext', 'json', 'cpu', 'io', 'echo']) expect(capacityMd(md, w).map((x) => x.variant)).toEqual(variants);
    expect(capacityMd(md, 'cpu').find((x) => x.variant === 'single-loop')).toMatchObject({ 'capacity req/s': '900' });
    expect(capacityMd(md, 'plaintext').find((x) => x.variant === 'single-loop')).toEqual({
      variant: 'single-loop',
      conn: '64',
      'capacity req/s': '45,000',
      'range req/s': '45,000–55,000',
      'per repetition': '45,000, 45,000',
      'vs node-http': '2.00×',
      'closed-loop max req/s': '50,000',
      'p50 / p99 ms at 50%': '1.1 / 4.3',
      'p50 / p99 ms at 90%': '1.5 / 6.0',
      'first miss req/s': '55,000: served 50,000, p99 400 ms',
      'past saturation req/s': 'plateau 50,000 → 50,000',
      note: '',
    });
    expect(capacityMd(md, 'plaintext').find((x) => x.variant === 'blocking')).toMatchObject({
      'capacity req/s': 'none kept up',
      'vs node-http': '—',
      'first miss req/s': '750: p99 25.0 ms',
    });
    // The closed-loop tables are still there, said to be closed loop.
    expect(row(md, 'plaintext', 'single-loop')?.['req/s median (min–max)']).toBe('50,000 (49,000–51,000)');
    expect(md).toMatch(/## plaintext\n\nClosed loop: /);
    const page = html(r, []);
    expect(page).toContain('<h2>Capacity at the latency objective</h2>');
    expect(page).toContain('<h3>plaintext: capacity at p99 ≤ 10 ms</h3>');
    expect(page).toMatch(/<table class="sortable" data-workload="echo">/);
    expect(page).toContain('<strong>Capacity</strong>');
  });

  it('shows what a failed cell’s sweep measured before it stopped, but no capacity, and still draws its points', async () => {
    const failed = fixtureResults({ capacity: true });
    const loop = failed.variants.find((v) => v.name === 'single-loop');
    if (loop?.status !== 'ok') throw new Error('fixture: single-loop is measured');
    const cell = cellOf(failed, 'single-loop/plaintext');
    const partial = { ...sweepOf(failed, 'single-loop/plaintext'), points: sweepOf(failed, 'single-loop/plaintext').points.slice(0, 3) };
    loop.cells[0] = { ...cell, status: 'failed', reason: 'at 90% (45000 req/s offered): the server exited during the run (crashed)', sweep: partial };
    expect(capacityMd(markdown(failed, []), 'plaintext').find((x) => x.variant === 'single-loop')).toMatchObject({
      'capacity req/s': '—',
      'vs node-http': '—',
      'closed-loop max req/s': '50,000',
      note: 'failed: at 90% (45000 req/s offered): the server exited during the run (crashed)',
    });
    expect(capacityFindings(failed).some((s) => /^plaintext: single-loop/.test(s))).toBe(false);
    const svg = (await charts(failed)).find((c) => c.file === 'capacity-latency.svg')?.svg ?? '';
    expect(svg.match(/class="mark-line role-mark [^"]*"/g)).toHaveLength(25);
  });

  it('leaves a run without a sweep as it was: no capacity section, table, findings or charts', async () => {
    const plain = fixtureResults();
    expect(capacityTables(plain)).toEqual([]);
    expect(capacityFindings(plain)).toEqual([]);
    expect(capacitySummary(plain)).toBe('');
    const md = markdown(plain, []);
    expect(md).not.toMatch(/capacity|Closed loop/i);
    expect(html(plain, [])).not.toMatch(/capacity/i);
    expect((await charts(plain)).map((c) => c.file)).toEqual(['throughput.svg', 'latency.svg', 'cpu.svg']);
  });

  it('prints a terminal table of capacities for cbench bench', () => {
    const text = capacitySummary(r);
    expect(text).toMatch(
      /^capacity: the highest offered rate kept up with: served within 1% of the requests that came due in the window, without errors or non-2xx answers, p99 within the objective, and every lower rate too\n\n/,
    );
    expect(text).toMatch(
      /^variant +workload +conn +p99 ≤ ms +capacity req\/s +vs node-http +closed max +p50\/p99 ms at 50% +at 90% +first miss +past saturation$/m,
    );
    expect(text).toMatch(
      /^single-loop +plaintext +64 +10 +45,000 +2\.00× +50,000 +1\.1 \/ 4\.3 +1\.5 \/ 6\.0 +55,000: served 50,000, p99 400 ms +plateau 50,000 → 50,000$/m,
    );
    expect(text).toMatch(/^cluster +plaintext .* 15,000\* +0\.67× /m);
    expect(text).toMatch(/^blocking +plaintext +64 +10 +none kept up +— +3,000 +— +— +750: p99 25\.0 ms +plateau 1,800 → 1,800$/m);
    expect(text).toMatch(/^worker-pool +cpu .* collapse 1,360 → 680$/m);
    expect(text.split('\n').at(-1)).toBe('* kept up again above its first miss: noisy, or rates too coarse');
  });
});

describe('capacity runs: findings', () => {
  const f = capacityFindings(fixtureResults({ capacity: true }));

  it('states the rule once, then names the variant with the most capacity and by how much, when the ranges do not overlap', () => {
    expect(f[0]).toMatch(/^Capacity is the highest offered rate .* two variants whose ranges overlap are within noise and no winner is named\.$/);
    expect(f).toContain(
      'plaintext: single-loop kept up with the most at p99 ≤ 10 ms, 45,000 req/s, 2.00× the runner-up node-http (22,500); their ranges do not overlap (45,000–55,000 and 22,500–27,500 req/s).',
    );
  });

  it('does not call an order noise when a sweep never reached its limit: that capacity is only a lower bound', () => {
    const r = fixtureResults({ capacity: true });
    const loop = cellsOf(r.variants.find((v) => v.name === 'single-loop')!).find((c) => c.workload === 'plaintext');
    if (loop?.status !== 'ok' || loop.sweep === null) throw new Error('fixture: single-loop plaintext has a sweep');
    // Swept no higher than it kept up with: every rate kept up.
    loop.sweep.points = loop.sweep.points.filter((p) => p.offeredRps <= (loop.capacityRps ?? 0));
    loop.sweep.firstMiss = null;
    loop.sweep.pastSaturation = null;
    const node = cellsOf(r.variants.find((v) => v.name === 'node-http')!).find((c) => c.workload === 'plaintext');
    if (node?.status !== 'ok' || node.sweep === null) throw new Error('fixture: node-http plaintext has a sweep');
    node.sweep.points = node.sweep.points.filter((p) => p.offeredRps <= (node.capacityRps ?? 0));
    expect(capacityFindings(r)).toContain(
      'plaintext: single-loop (45,000 req/s) and node-http (22,500) at p99 ≤ 10 ms cannot be ordered by this sweep: single-loop and node-http kept up with every rate they were offered, ' +
        'so their capacities are only known to be at least that; higher --rates would tell.',
    );
  });

  it('names no winner when the top two ranges overlap, and lists the other neighbours within noise', () => {
    expect(f).toContain(
      'echo: node-http and single-loop kept up with about as much at p99 ≤ 10 ms (18,720 and 18,000 req/s): within noise, as their ranges overlap (18,720–22,880 and 18,000–22,000 req/s).',
    );
    expect(f.some((s) => /^echo: .* kept up with the most/.test(s))).toBe(false);
    expect(f).toContain(
      'plaintext: within noise of each other at p99 ≤ 10 ms (ranges that overlap, req/s): node-http (22,500, range 22,500–27,500) and cluster (15,000, range 15,000–33,000); cluster (15,000, range 15,000–33,000) and worker-pool (14,000, range 14,000–18,000).',
    );
  });

  it('says where throughput collapses past saturation and where it plateaus, with the peak and the last figure', () => {
    expect(f).toContain(
      "plaintext: worker-pool's throughput collapsed past saturation: it served at most 16,000 req/s, and 8,000 at the highest rate offered (26,000), 50% of its peak (below 80% counts as a collapse): asked for more than it can serve, it serves less.",
    );
    expect(f.filter((s) => /collapsed past saturation/.test(s))).toHaveLength(5);
    expect(f.find((s) => s.startsWith('plaintext: past saturation'))).toMatch(
      /^plaintext: past saturation single-loop \(50,000 → 50,000\), cluster \(30,000 → 30,000\), blocking \(1,800 → 1,800\), node-http \(25,000 → 25,000\) plateaued/,
    );
  });

  it('says which variant never met the objective, with its p99 at the lowest rate', () => {
    expect(f).toContain('plaintext: blocking kept up with no rate at p99 ≤ 10 ms: p99 25.0 ms at the lowest rate, 750 req/s.');
    expect(f).toContain('cpu: blocking kept up with no rate at p99 ≤ 50 ms: p99 125 ms at the lowest rate, 225 req/s.');
    expect(f.filter((s) => /kept up with no rate/.test(s))).toHaveLength(5);
  });

  it('says when a sweep kept up again above its first miss, and where', () => {
    expect(f).toContainEqual(
      expect.stringMatching(
        /^json: cluster's sweep kept up again above its first miss: it missed 19,600 req\/s \(p99 10\.5 ms\) but kept up with 25,200\. Its capacity stays 14,000 req\/s.* more --repetitions, or --rates closer together/,
      ),
    );
    expect(f.filter((s) => /kept up again above its first miss/.test(s)).map((s) => s.split(':')[0])).toEqual(['plaintext', 'json', 'cpu', 'io', 'echo']);
  });

  it('suspects the generator’s connections only where requests waited for one while the server had CPU to spare', () => {
    expect(f.some((s) => /may be bound by the generator/.test(s))).toBe(false); // behind, but the server's CPU was saturated (97%)
    const bound = capacityFindings(fixtureResults({ capacity: true, connectionsBound: ['worker-pool/io'] })).filter((s) =>
      /may be bound by the generator/.test(s),
    );
    expect(bound).toEqual([
      "io: worker-pool's capacity (133 req/s) at p99 ≤ 50 ms may be bound by the generator's 64 connections (one request in flight on each: 64 connections each held L ms carry at most 64/L requests a second) " +
        "or by the model's own concurrency: at its first miss, 171 req/s offered, it served 152 with every connection busy (in the median repetition 154 requests were sent late, waiting for one) " +
        'while the server used 50% of its CPU. Rerun with more --connections to tell which.',
    ]);
    // A miss on the objective alone (a stall fills every connection for a moment) is not suspected.
    const sloOnly = fixtureResults({ capacity: true, connectionsBound: ['worker-pool/io'] });
    for (const v of sloOnly.variants) for (const c of cellsOf(v)) if (c.sweep?.firstMiss) c.sweep.firstMiss.why = ['slo'];
    expect(capacityFindings(sloOnly).some((s) => /may be bound by the generator/.test(s))).toBe(false);
  });

  it('says where a first miss on the objective alone was mostly time waiting in the generator, the server with CPU to spare; not at a server at its limit', () => {
    expect(f.some((s) => /waited in the load generator/.test(s))).toBe(false); // every fixture miss is behind, the server at 97%
    const r = fixtureResults({ capacity: true });
    const loop = cellsOf(r.variants.find((v) => v.name === 'single-loop')!).find((c) => c.workload === 'plaintext');
    if (loop?.status !== 'ok' || loop.sweep?.firstMiss == null) throw new Error('fixture: single-loop plaintext misses');
    loop.sweep.firstMiss.why = ['slo'];
    const miss = loop.sweep.points.find((p) => p.offeredRps === loop.sweep?.firstMiss?.offeredRps);
    if (miss === undefined) throw new Error('fixture: the first miss is a point');
    miss.summary.serverCpuShare = { median: 0.6, min: 0.6, max: 0.6 };
    const waited =
      "plaintext: at single-loop's first miss, 55,000 req/s offered, 320 ms of its 400 ms p99 was time requests waited in the load generator to be sent " +
      '(49,500 sent late in the median repetition, every connection busy; the generator at 50% of its CPU, the server at 60%)';
    // The generator kept its schedule (version 7 says so): the server held the connections.
    expect(capacityFindings(r).find((s) => /waited in the load generator/.test(s))).toBe(
      `${waited}. The generator kept its schedule (it held up 0% of the requests; the others had a p99 of 400 ms), ` +
        'so the server held every connection: a pause or a burst of its own, and the miss is the server’s.',
    );
    // The generator late too, but the rest missed as well: both, and the server's miss.
    for (const x of miss.repetitions) if (x.openLoop !== null) Object.assign(x.openLoop, { heldUpShare: 0.05, notHeldP99Ms: 300, generatorBound: null });
    expect(capacityFindings(r).find((s) => /waited in the load generator/.test(s))).toBe(
      `${waited}. The generator held up 5% of the requests, but the others missed too (p99 300 ms): both sides stalled, and the miss counts as the server’s.`,
    );
    // A file before version 7 cannot tell.
    for (const p of loop.sweep.points) for (const x of p.repetitions) if (x.openLoop !== null) x.openLoop.notHeldP99Ms = null;
    expect(capacityFindings(r).find((s) => /waited in the load generator/.test(s))).toBe(
      `${waited}: one side stalled long enough to hold every connection, and the sweep cannot tell which, so that miss, and the capacity below it, ` +
        'may be the machine’s or the generator’s as much as the server’s.',
    );
  });

  it('says a capacity is a floor where the generator used up its CPU at the first miss, and marks it in the tables', () => {
    const r = fixtureResults({ capacity: true, generatorSaturated: ['single-loop/plaintext', 'worker-pool/io'] });
    const all = capacityFindings(r);
    expect(all).toContain(
      "plaintext: single-loop's capacity at p99 ≤ 10 ms is at least 45,000 req/s, a floor: at its first miss, 55,000 req/s offered, the load generator used up its CPU (95% of it in its busiest repetition), " +
        "so the miss may be the generator's, not the server's: the generator could not offer more here. A generator with more CPU to itself (on another machine, with --target) would tell.",
    );
    expect(all.find((s) => s.startsWith('plaintext: single-loop kept up with the most'))).toMatch(
      /The load generator, not the server, explained the first miss of single-loop, so that capacity is a floor and the order may differ\.$/,
    );
    expect(all.filter((s) => /a floor: at its first miss/.test(s)).map((s) => s.split("'")[0])).toEqual(['plaintext: single-loop', 'io: worker-pool']);
    const md = markdown(r, []);
    expect(capacityMd(md, 'plaintext').find((x) => x.variant === 'single-loop')).toMatchObject({
      'capacity req/s': '≥45,000',
      note: 'the load generator used up its CPU at the first miss: a floor, the generator could not offer more here',
    });
    expect(capacityMd(md, 'json').find((x) => x.variant === 'single-loop')).toMatchObject({ 'capacity req/s': '36,000', note: '' });
    expect(capacitySummary(r)).toMatch(/^single-loop +plaintext +64 +10 +≥45,000 .*\(the generator's\)/m);
    expect(capacitySummary(r).split('\n').slice(-2)).toEqual([
      '* kept up again above its first miss: noisy, or rates too coarse',
      '≥ capacity at least this: the load generator, not the server, explained the first miss (it used up its CPU, or its own delays made the tail ' +
        'while the requests it did not hold up kept to the objective); the generator could not offer more here',
    ]);
  });

  it('says a capacity is a floor where the generator’s own delays made the tail of the first miss, with how much, and never as the server’s', () => {
    const r = fixtureResults({ capacity: true, generatorDelayed: ['single-loop/plaintext'] });
    const all = capacityFindings(r);
    expect(all).toContain(
      "plaintext: single-loop's capacity at p99 ≤ 10 ms is at least 45,000 req/s, a floor: at its first miss, 55,000 req/s offered, the load generator's own delays made the tail. " +
        'Its p99 was 400 ms, but the requests the generator did not hold up had 3.3 ms, within the objective; it held up 5% of them (due while its event loop was busy or stalled, ' +
        'up to 240 ms). The generator could not offer more here; a generator with a core to itself on a quieter machine, ' +
        'or on another machine with --target, would go further.',
    );
    expect(all.some((s) => /single-loop.*may be bound by the generator's/.test(s))).toBe(false);
    // The only variant with a capacity says its capacity is a floor in the ranking sentence too.
    for (const v of r.variants)
      for (const c of cellsOf(v)) if (v.name !== 'single-loop' && c.workload === 'plaintext' && c.status === 'ok') c.capacityRps = null;
    expect(capacityFindings(r).find((s) => s.startsWith('plaintext: only'))).toMatch(
      /^plaintext: only single-loop kept up with any rate offered at p99 ≤ 10 ms: at least 45,000 req\/s \(range [^)]*\), a floor: the load generator, not the server, explained its first miss\.$/,
    );
    expect(capacityMd(markdown(r, []), 'plaintext').find((x) => x.variant === 'single-loop')).toMatchObject({
      'capacity req/s': '≥45,000',
      note: "the load generator's own delays made the tail at the first miss: a floor, the generator could not offer more here",
    });
  });

  it('suspects the connections, not the generator’s CPU, only where the CPU was not used up', () => {
    const both = capacityFindings(fixtureResults({ capacity: true, connectionsBound: ['worker-pool/io'], generatorSaturated: ['worker-pool/io'] }));
    const io = both.filter((s) => s.startsWith("io: worker-pool's"));
    expect(io.filter((s) => /a floor: at its first miss/.test(s))).toHaveLength(1);
    expect(io.filter((s) => /may be bound by the generator's 64 connections/.test(s))).toEqual([]);
  });

  it('comes before the closed-loop findings, which say they are closed loop', () => {
    const all = findings(fixtureResults({ capacity: true }));
    expect(all.slice(0, f.length)).toEqual(f);
    expect(all).toContain(
      'plaintext: single-loop served the most at 64 connections in a closed loop, 50,000 req/s, 1.67× the runner-up cluster (30,000); node-http 25,000 (single-loop 2.00× that).',
    );
  });
});

describe('capacity runs: charts', () => {
  it('draws p99 against throughput with the objective as a rule in each workload, and served against offered with the diagonal', async () => {
    const list = await charts(fixtureResults({ capacity: true }));
    expect(list.map((c) => c.file)).toEqual(['throughput.svg', 'latency.svg', 'cpu.svg', 'capacity-latency.svg', 'capacity-throughput.svg']);
    const latency = list.find((c) => c.file === 'capacity-latency.svg')?.svg ?? '';
    const throughput = list.find((c) => c.file === 'capacity-throughput.svg')?.svg ?? '';
    for (const svg of [latency, throughput]) {
      expect(XMLValidator.validate(svg)).toBe(true);
      for (const v of variants) expect(svg).toContain(`>${v}<`);
      // A line per variant per workload.
      expect(svg.match(/class="mark-line role-mark [^"]*"/g)?.length ?? 0).toBeGreaterThanOrEqual(25);
    }
    // The objective: one dashed red rule per workload, and the log axis's labels.
    const rules = [...latency.matchAll(/<g class="mark-rule role-mark[^"]*"[^>]*>(.*?)<\/g>/g)].map((m) => m[1] ?? '');
    expect(rules).toHaveLength(5);
    for (const rule of rules) expect(rule).toMatch(/<line [^>]*stroke="#c00"[^>]*stroke-dasharray="4,3"/);
    expect(latency).toContain('p99 latency (ms)');
    // y = x, dashed grey, once per workload.
    expect(throughput.match(/stroke="#999"[^>]*stroke-dasharray="4,3"/g)).toHaveLength(5);
    expect(throughput).toContain('requests/s offered');
    // No generator-bound point in this run: no crosses.
    const crosses = [...latency.matchAll(/<g class="mark-symbol role-mark[^"]*generator_bound[^"]*"[^>]*>(.*?)<\/g>/g)].map((m) => m[1] ?? '');
    expect(crosses.length).toBeGreaterThan(0);
    expect(crosses.join('')).not.toMatch(/<path /);
  });

  it('marks the points the generator made with a cross, shown but not the server’s', async () => {
    const r = fixtureResults({ capacity: true, generatorDelayed: ['single-loop/plaintext'] });
    const chart = (await charts(r)).find((c) => c.file === 'capacity-latency.svg');
    expect(chart?.title).toMatch(/×: generator-bound, the tail there is the load generator’s\)$/);
    // single-loop plaintext misses at 110% and 130% in the fixture: one cross each.
    // A cross per point at least half of whose repetitions were generator-bound: single-loop plaintext's misses, and only those.
    const bound = cellsOf(r.variants.find((v) => v.name === 'single-loop') as Results['variants'][number])
      .filter((c) => c.workload === 'plaintext')
      .flatMap((c) => c.sweep?.points ?? [])
      .filter((p) => p.repetitions.filter((x) => x.openLoop?.generatorBound != null).length * 2 >= p.repetitions.length).length;
    expect(bound).toBeGreaterThan(0);
    const crosses = [...(chart?.svg ?? '').matchAll(/<g class="mark-symbol role-mark[^"]*generator_bound[^"]*"[^>]*>(.*?)<\/g>/g)].map((m) => m[1] ?? '');
    expect(crosses.join('').match(/<path /g)?.length).toBe(bound);
  });
});

describe('a run against targets', () => {
  const r = fixtureResults({ capacity: true, targets: true });

  it('names the targets, has no ratio column, and shows the CPU and memory of a server whose process is unknown as ?, never 0', () => {
    const md = markdown(r, []);
    expect(md).toContain(
      '- targets (servers the suite did not start, no node-http baseline): before → http://127.0.0.1:8081/ (pid 4242), after → http://127.0.0.1:8082/ (pid not given)\n',
    );
    expect(md).toMatch(/\n- \?: not known; the server's CPU and memory are read from its process, and the process of after was not known/);
    expect(md).not.toContain('vs node-http');
    expect(row(md, 'plaintext', 'after')).toMatchObject({ 'CPU µs/req': '?', 'peak RSS MB': '?', 'req/s median (min–max)': '30,000 (29,400–30,600)' });
    expect(row(md, 'plaintext', 'before')).toMatchObject({ 'CPU µs/req': '16.7', 'peak RSS MB': '80' });
    expect(capacityMd(md, 'plaintext')).toEqual([
      expect.objectContaining({ variant: 'before', 'capacity req/s': '45,000' }),
      expect.objectContaining({ variant: 'after', 'capacity req/s': '15,000*' }),
    ]);
    expect(html(r, [])).toContain('<td data-value="-1">?</td>');
    expect(summaryTable(r)).toMatch(/^after +plaintext +64 +1 +30,000 +6\.0 +1\.00 +\? +\?$/m);
    expect(capacitySummary(r)).not.toContain('vs node-http');
    expect(capacitySummary(r)).toMatch(/^before +plaintext +64 +10 +45,000 +50,000 /m);
  });

  it('writes its report, with no CPU bar for the server whose process is unknown', async () => {
    const targetDir = join(dir, 'targets');
    mkdirSync(targetDir);
    writeResults(targetDir, r);
    const written = await writeReport(targetDir);
    expect(written.charts.map((c) => c.split('/').pop())).toEqual([
      'throughput.svg',
      'latency.svg',
      'cpu.svg',
      'capacity-latency.svg',
      'capacity-throughput.svg',
    ]);
    const cpu = readFileSync(join(targetDir, 'charts', 'cpu.svg'), 'utf8');
    // One bar per workload: before's only, not a bar of 0 for after.
    const bars = [...cpu.matchAll(/aria-label="variant: ([^;]+);[^"]*" role="graphics-symbol" aria-roledescription="bar"/g)].map((m) => m[1]);
    expect(bars).toEqual(['before', 'before', 'before', 'before', 'before']);
    expect(readFileSync(written.html, 'utf8')).toContain('a server whose process is not known has no bar');
  });
});

/** A per-route table's lines as header → cell text, from the Markdown report. */
function routeMd(md: string, workload: string): Array<Record<string, string>> {
  const section = md.split(`### ${workload}: per route\n`)[1]?.split('\n#')[0] ?? '';
  const [head, , ...rows] = section
    .split('\n')
    .filter((l) => l.startsWith('| '))
    .map((l) => l.slice(2, -2).split(' | '));
  return rows.map((row) => {
    expect(row, 'every line has a cell per column').toHaveLength(head?.length ?? -1);
    return Object.fromEntries((head ?? []).map((h, i) => [h, row[i] ?? '']));
  });
}

/** A mixes run without the cells of `workload`, as a run that did not measure it. */
function without(r: Results, workload: string): Results {
  r.settings.workloads = r.settings.workloads.filter((w) => w !== workload);
  delete r.settings.mixes[workload];
  for (const v of r.variants) if (v.status === 'ok') v.cells = v.cells.filter((c) => c.workload !== workload);
  return r;
}

/** As autocannon and wrk record a run: no per-route figures in the cells of `variants` (every one when not given). */
function uncounted(r: Results, variants?: string[]): Results {
  r.environment.loadgen = { name: 'autocannon', version: '8.0.0' };
  for (const v of r.variants) {
    if (variants !== undefined && !variants.includes(v.name)) continue;
    for (const c of cellsOf(v)) {
      for (const rep of c.repetitions) rep.routes = null;
      if (c.status === 'ok') c.summary.routes = null;
    }
  }
  return r;
}

/** The cell of a request in a mix's cell, to change in place. */
function routeOf(r: Results, name: string, label: string) {
  const route = cellOf(r, name).summary.routes?.find((x) => x.label === label);
  if (route === undefined) throw new Error(`the fixture has no ${label} in ${name}`);
  return route;
}

describe('mixes: per-route figures', () => {
  const r = fixtureResults({ mixes: true });
  const at = { connections: 64, pipelining: 1 };

  it('gives a table per mix (a cell with more than one request), not per workload of one request such as mixed@0%', () => {
    const tables = routeTables(r);
    expect(tables.map((t) => [t.workload, t.quick, t.heavy])).toEqual([
      ['mixed', QUICK, HEAVY],
      ['mixed@5%', QUICK, HEAVY],
    ]);
    expect(tables[1]?.rows.map((x) => [x.variant, x.routes.map((y) => y.label), x.note])).toEqual([
      ['single-loop', [QUICK, HEAVY], ''],
      ['cluster', [QUICK, HEAVY], ''],
      ['worker-pool', [QUICK, HEAVY], ''],
      ['offload', [QUICK, HEAVY], ''],
      ['blocking', [], 'not measured'],
      ['node-http', [QUICK, HEAVY], ''],
    ]);
    expect(routeTables(fixtureResults())).toEqual([]);
  });

  it('shows each request of a mix per cell: share, answers summed over the repetitions, non-2xx, p50/p99/p99.9 medians', () => {
    const md = markdown(r, []);
    expect(md.indexOf('## Per route\n')).toBeGreaterThan(md.indexOf('## mixed@5%\n'));
    expect(md.indexOf('## Per route\n')).toBeLessThan(md.indexOf('## Charts\n'));
    const lines = routeMd(md, 'mixed@5%');
    // 700 req/s × 3 s at 0.98 and 1.02: 2,058 and 2,142 answers, 95% and 5% of each.
    expect(lines.filter((l) => l.variant === 'single-loop')).toEqual([
      {
        variant: 'single-loop',
        conn: '64',
        request: QUICK,
        kind: 'quick',
        share: '95%',
        requests: '3,990',
        'non-2xx': '0',
        'p50 ms': '1.0',
        'p99 ms': '60.0',
        'p99.9 ms': '72.0',
        note: '',
      },
      {
        variant: 'single-loop',
        conn: '64',
        request: HEAVY,
        kind: 'heavy',
        share: '5%',
        requests: '210',
        'non-2xx': '0',
        'p50 ms': '27.0',
        'p99 ms': '90.0',
        'p99.9 ms': '96.0',
        note: '',
      },
    ]);
    expect(lines.find((l) => l.variant === 'offload' && l.kind === 'quick')).toMatchObject({ 'p99 ms': '3.0', requests: '3,876' });
    expect(lines.find((l) => l.variant === 'blocking')).toMatchObject({ request: '—', requests: '—', 'p99 ms': '—', note: 'not measured' });
    expect(md).not.toContain('### mixed@0%: per route');
    const page = html(r, []);
    expect(page).toMatch(/<section class="routes"><h2>Per route<\/h2>/);
    expect(page).toContain('<h3>mixed@5%: per route</h3>\n<table class="sortable" data-workload="mixed@5%">');
    expect(markdown(fixtureResults(), [])).not.toContain('## Per route');
  });

  it('lists a request the run recorded but no repetition answered, without latencies', () => {
    const run = fixtureResults({ mixes: true });
    const cell = cellOf(run, 'cluster/mixed@5%');
    for (const rep of cell.repetitions) rep.routes = rep.routes?.map((x) => (x.label === HEAVY ? { ...x, requests: 0 } : x)) ?? null;
    cell.summary.routes = cell.summary.routes?.filter((x) => x.label !== HEAVY) ?? null;
    expect(routeMd(markdown(run, []), 'mixed@5%').find((l) => l.variant === 'cluster' && l.request === HEAVY)).toMatchObject({
      kind: 'heavy',
      share: '5%',
      requests: '0',
      'p99 ms': '—',
      note: 'not answered in any repetition',
    });
  });

  it('picks as the quick request the one not marked heavy with the largest share, else the one answered most', () => {
    expect(quickRoute(r, 'mixed@5%')).toBe(QUICK);
    const heavier = fixtureResults({ mixes: true });
    for (const req of heavier.settings.mixes['mixed@5%']?.requests ?? []) req.share = req.heavy ? 0.6 : 0.4;
    expect(quickRoute(heavier, 'mixed@5%')).toBe(QUICK);
    for (const req of heavier.settings.mixes['mixed@5%']?.requests ?? []) req.heavy = true;
    expect(quickRoute(heavier, 'mixed@5%')).toBeUndefined();
    // A file that does not record its mixes: by the answers counted.
    const unrecorded = fixtureResults({ mixes: true });
    unrecorded.settings.mixes = {};
    expect(quickRoute(unrecorded, 'mixed@5%')).toBe(QUICK);
    routeOf(unrecorded, 'single-loop/mixed@5%', HEAVY).requests = 100_000;
    expect(quickRoute(unrecorded, 'mixed@5%')).toBe(HEAVY);
    expect(routeMd(markdown(unrecorded, []), 'mixed@5%').find((l) => l.variant === 'cluster' && l.request === HEAVY)).toMatchObject({
      kind: 'quick',
      share: '—',
    });
  });

  it('says how a heavy share raises the quick request’s p99 on each variant against the mix at 0%, and which keeps it lowest', () => {
    const f = routeFindings(r);
    expect(f).toContain(
      "mixed@5%: on single-loop at 64 connections, 5% heavy requests raise GET /json's p99 from 2.0 ms to 60.0 ms (30×); " +
        "offload keeps it at 3.0 ms (2.1 ms without them), 20× lower than single-loop's. " +
        "GET /json's p99 without heavy requests (mixed@0%) → with 5%: single-loop 2.0 → 60.0 ms, cluster 2.4 → 50.0 ms, worker-pool 8.0 → 9.0 ms, offload 2.1 → 3.0 ms, node-http 2.0 → 55.0 ms.",
    );
    expect(findings(r)).toEqual(expect.arrayContaining(f));
    expect(f.filter((s) => s.startsWith('mixed@0%'))).toEqual([]);
  });

  it('without the mix at 0%, compares with the workload that sends the quick request alone at the same connections', () => {
    const run = without(fixtureResults({ mixes: true }), 'mixed@0%');
    expect(heavyShareSeries(run, at)[0]?.zero).toBe('json');
    expect(routeFindings(run)).toContain(
      "mixed@5%: on single-loop at 64 connections, 5% heavy requests raise GET /json's p99 from 6.0 ms to 60.0 ms (10×); " +
        "offload keeps it at 3.0 ms (6.0 ms without them), 20× lower than single-loop's. " +
        "GET /json's p99 without heavy requests (json, the request alone) → with 5%: single-loop 6.0 → 60.0 ms, cluster 6.0 → 50.0 ms, worker-pool 6.0 → 9.0 ms, offload 6.0 → 3.0 ms, node-http 6.0 → 55.0 ms.",
    );
    // Neither: nothing to compare with, so the mix is judged on its own.
    const alone = without(without(fixtureResults({ mixes: true }), 'mixed@0%'), 'json');
    expect(routeFindings(alone).find((s) => s.startsWith('mixed@5%:'))).toMatch(
      /^mixed@5%: offload gave GET \/json the lowest p99 at 64 connections, 3\.0 ms, 20× lower than single-loop's 60\.0 ms;/,
    );
  });

  it('names two variants within 5% of each other together, and leaves out one with no figure without heavy requests', () => {
    const run = fixtureResults({ mixes: true });
    routeOf(run, 'worker-pool/mixed@5%', QUICK).latencyP99Ms.median = 3.1;
    const node = run.variants.find((v) => v.name === 'node-http');
    if (node?.status === 'ok') node.cells = node.cells.filter((c) => c.workload !== 'mixed@0%');
    const f = routeFindings(run).find((s) => s.startsWith('mixed@5%:'));
    expect(f).toMatch(/; offload and worker-pool keep it lowest, at 3\.0 and 3\.1 ms \(within 5% of each other\), 20× lower than single-loop's\. /);
    expect(f).toMatch(/offload 2\.1 → 3\.0 ms; node-http had no figure without them and is left out\.$/);
  });

  it('says which variant gives a mix’s quick request the lowest p99 against single-loop, and what the heavy one had', () => {
    expect(routeFindings(r)).toContain(
      "mixed: offload gave GET /json the lowest p99 at 64 connections, 2.9 ms, 20× lower than single-loop's 58.0 ms; " +
        'the heavy GET /cpu?iterations=15000000 had p99 140 ms on offload against 88.0 ms on single-loop: ' +
        'offload sends heavy requests to its pool, where they wait for a thread instead of holding up the event loop, so the wait moves from the quick requests to the heavy ones.',
    );
    const run = fixtureResults({ mixes: true });
    routeOf(run, 'offload/mixed', HEAVY).latencyP99Ms.median = 86;
    expect(routeFindings(run).find((s) => s.startsWith('mixed:'))).toMatch(/had p99 86\.0 ms on offload against 88\.0 ms on single-loop\.$/);
    routeOf(run, 'single-loop/mixed', QUICK).latencyP99Ms.median = 2.95;
    expect(routeFindings(run).find((s) => s.startsWith('mixed:'))).toMatch(
      /^mixed: offload and single-loop gave GET \/json the lowest p99 at 64 connections, within 5% of each other \(2\.9 and 3\.0 ms\); the heavy/,
    );
  });

  it('says where per-route figures are unknown (autocannon, wrk) instead of inventing them', () => {
    const all = uncounted(fixtureResults({ mixes: true }));
    expect(routeTables(all)).toEqual([]);
    expect(routeFindings(all)).toEqual([
      "Per-route figures unknown for mixed, mixed@5%: the load generator autocannon 8.0.0, or this file's version, does not count a mix's requests apart, " +
        'so only the whole mix’s figures are given there and nothing is said of its quick request.',
    ]);
    expect(markdown(all, [])).not.toContain('## Per route');
    const some = uncounted(fixtureResults({ mixes: true }), ['cluster']);
    expect(routeFindings(some).at(-1)).toMatch(/^Per-route figures unknown for mixed \(cluster\), mixed@5% \(cluster\): /);
    expect(routeMd(markdown(some, []), 'mixed').find((l) => l.variant === 'cluster')).toMatchObject({
      request: '—',
      note: 'per-route figures unknown: the load generator autocannon 8.0.0, or this file’s version, does not count a mix’s requests apart',
    });
    // cluster's share of the comparison is unknown, and left out of it.
    expect(routeFindings(some).find((s) => s.startsWith('mixed@5%:'))).toMatch(
      /→ with 5%: single-loop 2\.0 → 60\.0 ms, worker-pool 8\.0 → 9\.0 ms, offload 2\.1 → 3\.0 ms, node-http 2\.0 → 55\.0 ms\.$/,
    );
  });

  it('charts the quick request’s p99 per variant in each mix, and against the heavy share, a line per variant', async () => {
    const list = await charts(r);
    expect(list.map((c) => c.file)).toEqual(['throughput.svg', 'latency.svg', 'cpu.svg', 'routes.svg', 'heavy-share.svg']);
    const bars = list.find((c) => c.file === 'routes.svg');
    const lines = list.find((c) => c.file === 'heavy-share.svg');
    expect(bars?.title).toBe("p99 of each mix's quick request per variant, by mix (64 connections; median, whiskers min–max; GET /json in mixed)");
    expect(lines?.title).toBe("p99 of each mix's quick request against the share of heavy requests, per variant (64 connections; log y; GET /json in mixed)");
    for (const c of [bars, lines]) {
      expect(XMLValidator.validate(c?.svg ?? '')).toBe(true);
      for (const v of ['single-loop', 'cluster', 'worker-pool', 'offload', 'node-http']) expect(c?.svg).toContain(`>${v}<`);
    }
    // Five variants measured on the mixes, a bar each in both mixes; a line each from 0% to 5%.
    expect(bars?.svg.match(/aria-roledescription="bar"/g)).toHaveLength(10);
    expect(lines?.svg.match(/class="mark-line role-mark [^"]*"/g)).toHaveLength(5);
    expect(lines?.svg).toContain('heavy requests (% of the draws)');
    // Without mixed@0%, share 0 is the request alone; with one share and nothing at 0, no line to draw.
    const fromJson = await charts(without(fixtureResults({ mixes: true }), 'mixed@0%'));
    expect(fromJson.find((c) => c.file === 'heavy-share.svg')?.title).toMatch(/; at 0%, the request alone: json for mixed\)$/);
    const oneShare = await charts(without(without(fixtureResults({ mixes: true }), 'mixed@0%'), 'json'));
    expect(oneShare.map((c) => c.file)).toEqual(['throughput.svg', 'latency.svg', 'cpu.svg', 'routes.svg']);
  });

  it('prints the quick request’s p99 beside each mix cell’s in the terminal, and says which request it is', () => {
    const text = summaryTable(r);
    expect(text).toMatch(/^variant +workload +conn +pipe +req\/s \(median\) +p99 ms +quick p99 ms +Jain +CPU µs\/req +peak RSS MB +note$/m);
    expect(text).toMatch(/^single-loop +mixed@5% +64 +1 +700 +90\.0 +60\.0 +1\.00 /m);
    expect(text).toMatch(/^offload +mixed +64 +1 +690 +140\.0 +2\.9 +1\.00 /m);
    expect(text).toMatch(/^single-loop +mixed@0% +64 +1 +40,000 +2\.0 +2\.0 +1\.00 /m);
    expect(text).toMatch(/^single-loop +json +64 +1 +40,000 +6\.0 +1\.00 /m);
    expect(text.split('\n').slice(-2)).toEqual([
      "quick p99: the p99 of a mix's quick request (not heavy, the largest share): GET /json in mixed, mixed@0%, mixed@5%",
      'load generator: builtin 0.1.0',
    ]);
    const all = summaryTable(uncounted(fixtureResults({ mixes: true })));
    expect(all).toMatch(/^single-loop +mixed@5% +64 +1 +700 +90\.0 +— +/m);
    expect(all).toMatch(/^single-loop +mixed@0% +64 +1 +40,000 +2\.0 +2\.0 +/m); // one request: the cell's own figures
    expect(all).toMatch(/; — where the load generator did not count it apart\nload generator: autocannon 8\.0\.0$/);
    expect(summaryTable(fixtureResults())).not.toContain('quick p99');
  });

  it('writes the report of a mixes run with both charts', async () => {
    const mixDir = join(dir, 'mixes');
    mkdirSync(mixDir);
    writeResults(mixDir, r);
    const written = await writeReport(mixDir);
    expect(written.charts.map((c) => c.split('/').pop())).toEqual(['throughput.svg', 'latency.svg', 'cpu.svg', 'routes.svg', 'heavy-share.svg']);
    const md = readFileSync(written.markdown, 'utf8');
    expect(md).toContain('![p99 of each mix');
    expect(routeMd(md, 'mixed')).toHaveLength(11);
  });
});
