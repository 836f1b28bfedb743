import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { cellsOf, type OkCell, type Results, writeResults } from '../results.js';
import { findings } from './findings.js';
import { summaryTable } from './summary.js';
import { FIXTURE_RPS, fixtureResults } from './test-support/fixture.js';
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
