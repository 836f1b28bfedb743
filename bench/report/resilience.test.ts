import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureResults } from '../analysis/test-support/fixture.js';
import { resilienceFixture } from '../analysis/test-support/resilience-fixture.js';
import { writeResults } from '../results/store.js';
import { findings } from './findings.js';
import { summaryTable } from './sections/cells.js';
import { resilienceSummary } from './sections/resilience.js';
import { markdown, writeReport } from './write.js';

const dir = mkdtempSync(join(tmpdir(), 'cbench-resilience-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A table of report.md under `### heading`, as rows of cells (the header row first). */
function table(md: string, heading: string): string[][] {
  const section = md.split(`### ${heading}\n`)[1]?.split('\n#')[0] ?? '';
  return section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| ---'))
    .map((l) => l.slice(2, -2).split(' | '));
}

/** The cell of `variant`'s row under the column `head`. */
function cell(rows: string[][], variant: string, head: string): string | undefined {
  const col = rows[0]?.indexOf(head) ?? -1;
  return rows.find((r) => r[0] === variant)?.[col];
}

describe('report of a resilience run, from a fixture', () => {
  const r = resilienceFixture();
  const md = markdown(r, []);

  it('has a Resilience section with a table per scenario, every variant in the run’s order, and no workload tables or charts', () => {
    expect(md).toMatch(/\n## Resilience\n/);
    for (const heading of ['Idle flood and slowloris', 'Pipelining flood', 'Killed worker'])
      expect(
        table(md, heading)
          .slice(1)
          .map((row) => row[0]),
      ).toEqual(['single-loop', 'cluster', 'worker-pool', 'blocking', 'node-http', 'offload', 'extra']);
    expect(md).not.toMatch(/\n## (plaintext|Charts)\n/);
    expect(md).toMatch(/- profile resilience: 5,000 idle and 200 slowloris connections/);
  });

  it('gives each scenario’s figures, and why a row has none', () => {
    const idle = table(md, 'Idle flood and slowloris');
    expect(cell(idle, 'single-loop', 'ordinary answered')).toBe('750/750 (100%)');
    expect(cell(idle, 'single-loop', 'ordinary p50 / p99 ms')).toBe('2.0 / 333');
    expect(cell(idle, 'blocking', 'ordinary answered')).toBe('0/750 (0%)');
    expect(cell(idle, 'blocking', 'timeouts / errors')).toBe('750 / 0');
    expect(cell(idle, 'blocking', 'slowloris never answered')).toBe('200');
    expect(cell(idle, 'node-http', '408 after p50 / max s')).toBe('11.3 / 11.3');
    expect(cell(idle, 'blocking', 'idle closed by server')).toBe('3/5,000');
    expect(cell(idle, 'node-http', 'idle closed after p50 (min–max) s')).toBe('12.3 (11.2–12.6)');
    expect(cell(idle, 'extra', 'note')).toBe('not run: the run was interrupted first');

    const flood = table(md, 'Pipelining flood');
    expect(cell(flood, 'single-loop', 'read before stopping')).toBe('32,713 requests (1.6 MB)');
    expect(cell(flood, 'single-loop', 'RSS growth MB')).toBe('7.9');
    expect(cell(flood, 'blocking', 'then')).toBe('closed the connection after 1 answer');
    expect(cell(flood, 'blocking', 'writes stalled after ms')).toBe('108');
    expect(cell(flood, 'offload', 'note')).toBe('FAILED: the server exited during the scenario (crashed): out of memory');

    const kill = table(md, 'Killed worker');
    expect(cell(kill, 'cluster', 'failed')).toBe('10 (0.0016%)');
    expect(cell(kill, 'cluster', 'replacement serving after ms')).toBe('311');
    expect(cell(kill, 'worker-pool', 'note')).toMatch(/^not applicable: its workers are threads of one process/);
    expect(cell(kill, 'offload', 'note')).toBe('not run: the run was interrupted first');
  });

  it('finds who kept serving and who collapsed under the idle flood, with the numbers, and blocking’s collapse as its model’s nature', () => {
    const f = findings(r);
    expect(f).toContain(
      'Idle flood and slowloris (5,000 idle and 200 slowloris connections held; GET /plaintext at 50/s for 15 s, each answered 2xx within 2.0 s or failed): ' +
        'single-loop, cluster, worker-pool, node-http and offload kept serving: 100% of ordinary requests answered, p99 330–351 ms; ' +
        'blocking collapsed: 0% answered (0 of 750; 750 timed out, 0 errors).',
    );
    const nature = f.find((s) => s.startsWith("blocking's collapse is its model's nature, not a bug"));
    expect(nature).toMatch(/serves one connection at a time/);
    expect(nature).toMatch(/the first idle connection it took held it 5\.0 s/);
    expect(nature).toMatch(/got through 3 of the 5,000 idle connections, answered 0 of 200 slowloris connections and 0 of 750 ordinary requests/);
    expect(f.find((s) => s.startsWith('Slowloris:'))).toMatch(
      /node-http after p50 11\.3 s \(max 11\.3 s\) and offload .* answered every slowloris connection 408 .*; blocking, of 200, left 200 unanswered/,
    );
    expect(f.find((s) => s.startsWith('Idle connections'))).toMatch(/node-http closed every one after p50 12\.3 s \(11\.2–12\.6 s\), answering each first/);
  });

  it('finds which servers stopped reading the pipelining flood, how much memory it cost, and how it ended', () => {
    const f = findings(r);
    const flood = f.find((s) => s.startsWith('Pipelining flood'));
    expect(flood).toMatch(
      /single-loop stopped reading after 32,713 requests \(1\.6 MB\), its answers unread \(backpressure\), RSS \+7\.9 MB over idle \(53\.7 → 61\.6\), and then served all 100,000/,
    );
    expect(flood).toMatch(/blocking closed the connection after 1 answer \(one request per connection: it answers the first and closes\)/);
    expect(f).toContainEqual(
      expect.stringMatching(/^No server measured read the flood without bound: .* the largest growth of memory was worker-pool's, \+53\.0 MB/),
    );
    expect(f).toContain('offload: the pipelining flood could not be measured: the server exited during the scenario (crashed): out of memory.');
  });

  it('finds what the killed worker cost, against the 1% goal, and groups the variants it does not apply to by reason', () => {
    const f = findings(r);
    expect(f.find((s) => s.startsWith("Killed worker: SIGKILL of one of cluster's 2 worker processes"))).toMatch(
      /10 of 634,412 requests failed \(0\.0016%, within the goal of 1%.*appeared 110 ms after the kill and served its first request 311 ms after it, while the other worker went on serving\./,
    );
    expect(f).toContain(
      'Killed worker: not applicable to single-loop, blocking and node-http: one process serves everything: there is no worker to kill, and killing the process stops the server.',
    );
    expect(f.filter((s) => s.startsWith('Killed worker: not applicable to worker-pool:'))).toHaveLength(1);
  });

  it('prints a line per variant for the terminal', () => {
    const lines = resilienceSummary(r).split('\n');
    expect(lines[0]).toMatch(/^variant +ordinary ok +p99 ms/);
    expect(lines.slice(1, 8).map((l) => l.split(/\s+/)[0])).toEqual(['single-loop', 'cluster', 'worker-pool', 'blocking', 'node-http', 'offload', 'extra']);
    expect(lines.find((l) => l.startsWith('blocking'))).toMatch(/0% of 750 .* none of 200 .* closed after 1 +n\/a/);
    expect(lines.find((l) => l.startsWith('cluster'))).toMatch(/0\.0016% +311/);
    expect(lines.find((l) => l.startsWith('offload'))).toMatch(/flood FAILED: the server exited/);
  });

  it('writes report.md and report.html with the section, validates, and draws no charts', async () => {
    writeResults(dir, r);
    const written = await writeReport(dir);
    expect(written.charts).toEqual([]);
    expect(readdirSync(join(dir, 'charts'))).toEqual([]);
    const html = readFileSync(written.html, 'utf8');
    expect(html).toMatch(/<section class="resilience"><h2>Resilience<\/h2>/);
    for (const key of ['idleFlood', 'pipelineFlood', 'killedWorker']) expect(html).toContain(`data-scenario="${key}"`);
    // The tables parse as markup.
    const section = html.split('<section class="resilience">')[1]?.split('</section>')[0] ?? '';
    expect(() => new XMLParser().parse(`<s>${section}</s>`)).not.toThrow();
  });

  it('leaves other runs as they were: no Resilience section', () => {
    expect(markdown(fixtureResults(), [])).not.toMatch(/## Resilience/);
    expect(summaryTable(fixtureResults())).not.toMatch(/ordinary ok/);
  });
});
