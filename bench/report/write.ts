// report.md, report.html and charts/*.svg beside a run's results.json: the run's header, its
// findings, then each section's tables (sections/), and the charts.

import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpusText } from '../lib/processes.js';
import { cellsOf, type Results } from '../results/results.js';
import { readResults, writeFileAtomic } from '../results/store.js';
import { charts } from './charts.js';
import { findingId, findingsByWorkload } from './facts.js';
import { findings } from './findings.js';
import { resilienceSettingsText } from './resilience-text.js';
import type { ReportSection } from './section.js';
import { isResilienceRun } from './sections/resilience.js';
import { SECTIONS } from './sections.js';
import { esc, strong, UNKNOWN } from './table.js';
import type { Chart } from './vega.js';

/** Which generator produced the figures, and why the fairness and first-response columns may be empty. */
function loadgenLine(r: Results): string {
  const g = r.environment.loadgen;
  if (isResilienceRun(r))
    return `every figure measured by the suite's own clients (bench/resilience/), the killed worker's load by the load generator ${g.name} ${g.version}`;
  const summaries = r.variants.flatMap(cellsOf).flatMap((c) => (c.status === 'ok' ? [c.summary] : []));
  const unmeasured = summaries.length > 0 && summaries.every((s) => s.fairnessJain === null && s.firstResponseP99Ms === null);
  return (
    `every figure measured by the load generator ${g.name} ${g.version}` +
    (unmeasured ? ' (it, or this file’s version, records no per-connection fairness or first-response times: those columns show —)' : '')
  );
}

function environmentLines(r: Results): string[] {
  const e = r.environment;
  return [
    `run ${r.runId} (${r.status}), ${r.startedAt}${r.finishedAt === null ? '' : ` → ${r.finishedAt}`}`,
    `Node ${e.node} on ${e.os}; ${e.cpus} × ${e.cpuModel}; load average before ${e.loadAverageBefore.map((x) => x.toFixed(2)).join(' ')}`,
    loadgenLine(r),
    `git ${e.gitSha ?? 'unknown'}${e.gitDirty === true ? ' (with uncommitted changes)' : ''}`,
    e.pinning.server === null ? 'not pinned' : `server pinned to ${cpusText(e.pinning.server)}, load generator to ${cpusText(e.pinning.loadgen)}`,
    ...(e.cpuPlan === null ? [] : [`CPU plan (${e.cpuPlan.rule}): ${e.cpuPlan.why}`]),
    r.settings.resilience === undefined || r.settings.resilience === null
      ? `profile ${r.settings.profile}: connections ${r.settings.connections.join(', ')}; pipelining ${r.settings.pipelining.join(', ')}; ` +
        `${r.settings.warmupSec} s warm-up, ${r.settings.repetitions} × ${r.settings.durationSec} s per cell`
      : `profile ${r.settings.profile}: ${resilienceSettingsText(r.settings.resilience)}`,
    ...SECTIONS.flatMap((s) => s.header(r)),
    ...targetLines(r),
  ];
}

/** A run against servers the suite did not start: which, and what is therefore not known of them. */
function targetLines(r: Results): string[] {
  const out: string[] = [];
  const t = r.settings.targets;
  if (t !== null)
    out.push(
      `targets (servers the suite did not start, no node-http baseline): ${t.map((x) => `${x.name} → ${x.url}${x.pid === null ? ' (pid not given)' : ` (pid ${x.pid})`}`).join(', ')}`,
    );
  const unknown = r.variants
    .flatMap((v) =>
      cellsOf(v).flatMap((c) => (c.status === 'ok' && (c.summary.serverCpuUsPerRequest === null || c.summary.serverPeakRssBytes === null) ? [v.name] : [])),
    )
    .filter((name, i, all) => all.indexOf(name) === i);
  if (unknown.length > 0)
    out.push(
      `${UNKNOWN}: not known; the server's CPU and memory are read from its process, and the process of ${unknown.join(', ')} was not known (--target-pid gives it)`,
    );
  return out;
}

/** A findings group's heading: the workload it is about, or the run. */
const groupHeading = (workload: string | null) => (workload === null ? 'Across the run' : `On ${workload}`);

/** A section's tables in Markdown: under its title, each table a level below; without one, each table a heading of the page's level. */
function markdownSection(part: ReturnType<ReportSection['tables']>): string[] {
  const { title, intro, blocks } = part;
  if (blocks.length === 0) return [];
  const out = title === undefined ? [] : [`## ${title}`, '', ...(intro === undefined ? [] : [intro, ''])];
  const level = title === undefined ? '##' : '###';
  for (const b of blocks)
    out.push(...(b.heading === '' ? [] : [`${level} ${b.heading}`, '']), ...(b.intro === undefined ? [] : [b.intro, '']), ...b.markdown, '');
  return out;
}

export function markdown(r: Results, chartList: Chart[]): string {
  const out = ['# concurrency-bench report', '', ...environmentLines(r).map((l) => `- ${l}`), ''];
  for (const s of SECTIONS) if (s.lead === true) out.push(...markdownSection(s.tables(r)));
  out.push('## Findings', '');
  for (const g of findingsByWorkload(r, findings(r)))
    out.push(`### ${groupHeading(g.workload)}`, '', ...g.findings.map((f) => `- <a id="${findingId(f)}"></a>${f}`), '');
  for (const s of SECTIONS) if (s.lead !== true) out.push(...markdownSection(s.tables(r)));
  // A resilience run has no cells, so no charts.
  if (chartList.length > 0 || !isResilienceRun(r)) out.push('## Charts', '');
  for (const c of chartList) out.push(`![${c.title}](charts/${c.file})`, '');
  return out.join('\n');
}

/** A section's tables in HTML: in a <section> of its own under its title, or each under a heading of the page's level. */
function htmlSection(id: string, part: ReturnType<ReportSection['tables']>): string {
  const { title, intro, blocks } = part;
  if (blocks.length === 0) return '';
  const tag = title === undefined ? 'h2' : 'h3';
  const tables = blocks
    .map((b) => `${b.heading === '' ? '' : `<${tag}>${esc(b.heading)}</${tag}>\n`}${b.intro === undefined ? '' : `<p>${strong(esc(b.intro))}</p>\n`}${b.html}`)
    .join('\n');
  if (title === undefined) return tables;
  return `<section class="${id}"><h2>${esc(title)}</h2>\n${intro === undefined ? '' : `<p>${strong(esc(intro))}</p>\n`}${tables}\n</section>`;
}

/** One self-contained page: inline SVG charts, sortable tables (a few lines of script), no network. */
export function html(r: Results, chartList: Chart[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>concurrency-bench report ${esc(r.runId)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .6rem; text-align: right; }
th:first-child, td:first-child, th:last-child, td:last-child { text-align: left; }
th { cursor: pointer; user-select: none; background: #f5f5f5; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
tr.flag td:last-child { color: #a40; }
section.routes th:nth-child(3), section.routes td:nth-child(3), section.routes th:nth-child(4), section.routes td:nth-child(4) { text-align: left; }
figure { margin: 1rem 0 2rem; overflow-x: auto; } figcaption { font-weight: 600; margin-bottom: .5rem; }
</style></head><body>
<h1>concurrency-bench report</h1>
<ul class="environment">${environmentLines(r)
    .map((l) => `<li>${esc(l)}</li>`)
    .join('')}</ul>
${SECTIONS.filter((s) => s.lead === true)
  .map((s) => htmlSection(s.id, s.tables(r)))
  .join('\n')}
<h2>Findings</h2>
${findingsByWorkload(r, findings(r))
  .map(
    (g) => `<h3>${esc(groupHeading(g.workload))}</h3>\n<ul class="findings">${g.findings.map((f) => `<li id="${findingId(f)}">${esc(f)}</li>`).join('')}</ul>`,
  )
  .join('\n')}
${chartList.map((c) => `<figure class="chart" data-file="${esc(c.file)}"><figcaption>${esc(c.title)}</figcaption>${c.svg}</figure>`).join('\n')}
${SECTIONS.filter((s) => s.lead !== true)
  .map((s) => htmlSection(s.id, s.tables(r)))
  .filter((h) => h !== '')
  .join('\n')}
<script>
for (const table of document.querySelectorAll('table.sortable')) {
  for (const th of table.querySelectorAll('th')) {
    th.addEventListener('click', () => {
      const col = Number(th.dataset.col);
      const dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      for (const other of table.querySelectorAll('th')) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      const body = table.tBodies[0];
      const key = (tr) => { const v = tr.cells[col].dataset.value; const n = Number(v); return v !== '' && !Number.isNaN(n) ? n : v; };
      const rows = [...body.rows].sort((a, b) => { const x = key(a), y = key(b); return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * dir; });
      for (const tr of rows) body.appendChild(tr);
    });
  }
}
</script>
</body></html>
`;
}

/** Writes report.md, report.html and charts/ beside results.json in a run folder. */
export async function writeReport(path: string): Promise<{ markdown: string; html: string; charts: string[] }> {
  const runDir = statSync(path).isDirectory() ? path : dirname(path);
  const r = readResults(path);
  const chartList = await charts(r);
  mkdirSync(join(runDir, 'charts'), { recursive: true });
  for (const c of chartList) writeFileAtomic(join(runDir, 'charts', c.file), c.svg);
  const md = join(runDir, 'report.md');
  const page = join(runDir, 'report.html');
  writeFileAtomic(md, markdown(r, chartList));
  writeFileAtomic(page, html(r, chartList));
  return { markdown: md, html: page, charts: chartList.map((c) => join(runDir, 'charts', c.file)) };
}
