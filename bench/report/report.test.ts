import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { writeResults } from '../results.js';
import { findings } from './findings.js';
import { FIXTURE_RPS, fixtureResults } from './test-support/fixture.js';
import { writeReport } from './write.js';

const dir = mkdtempSync(join(tmpdir(), 'cbench-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const variants = Object.keys(FIXTURE_RPS);

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
