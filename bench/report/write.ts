// report.md, report.html and charts/*.svg beside a run's results.json.

import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatInt as int } from '../format.js';
import { cellsOf, type Results, readResults, writeFileAtomic } from '../results.js';
import { type Chart, charts } from './charts.js';
import { findings } from './findings.js';
import { type Row, workloadTables } from './model.js';

/** The columns of every workload table: header, cell text, and the value a sort uses. */
const COLUMNS: Array<{ head: string; text: (r: Row) => string; value: (r: Row) => number | string }> = [
  { head: 'variant', text: (r) => r.variant, value: (r) => r.variant },
  { head: 'conn', text: (r) => (r.connections > 0 ? String(r.connections) : '—'), value: (r) => r.connections },
  { head: 'pipe', text: (r) => (r.pipelining > 0 ? String(r.pipelining) : '—'), value: (r) => r.pipelining },
  {
    head: 'req/s median (min–max)',
    text: (r) => (r.rps === undefined ? '—' : `${int(r.rps.median)} (${int(r.rps.min)}–${int(r.rps.max)})`),
    value: (r) => r.rps?.median ?? -1,
  },
  { head: 'p50 ms', text: (r) => fixed(r.p50, 1), value: (r) => r.p50 ?? -1 },
  { head: 'p99 ms', text: (r) => fixed(r.p99, 1), value: (r) => r.p99 ?? -1 },
  { head: 'p99.9 ms', text: (r) => fixed(r.p99_9, 1), value: (r) => r.p99_9 ?? -1 },
  // Before the window, so it is beside the latencies but not one of them.
  {
    head: 'first response p99 / max ms',
    text: (r) => (r.firstResponseMs === undefined ? '—' : `${r.firstResponseMs.p99.toFixed(1)} / ${r.firstResponseMs.max.toFixed(1)}`),
    value: (r) => r.firstResponseMs?.max ?? -1,
  },
  { head: 'fairness (Jain)', text: (r) => fixed(r.jain, 2), value: (r) => r.jain ?? -1 },
  { head: 'CPU µs/req', text: (r) => fixed(r.cpuUs, 1), value: (r) => r.cpuUs ?? -1 },
  { head: 'peak RSS MB', text: (r) => fixed(r.rssMb, 0), value: (r) => r.rssMb ?? -1 },
  { head: 'errors', text: (r) => (r.errors === undefined ? '—' : String(r.errors)), value: (r) => r.errors ?? -1 },
  { head: 'vs node-http', text: (r) => (r.vsNodeHttp === undefined ? '—' : `${r.vsNodeHttp.toFixed(2)}×`), value: (r) => r.vsNodeHttp ?? -1 },
  { head: 'note', text: (r) => r.note, value: (r) => r.note },
];

function fixed(n: number | undefined, digits: number): string {
  return n === undefined ? '—' : n.toFixed(digits);
}

/** Which generator produced the figures, and why the fairness and first-response columns may be empty. */
function loadgenLine(r: Results): string {
  const g = r.environment.loadgen;
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
    e.pinning.server === null ? 'not pinned' : `server pinned to CPUs ${e.pinning.server}, load generator to CPU ${e.pinning.loadgen}`,
    `profile ${r.settings.profile}: connections ${r.settings.connections.join(', ')}; pipelining ${r.settings.pipelining.join(', ')}; ` +
      `${r.settings.warmupSec} s warm-up, ${r.settings.repetitions} × ${r.settings.durationSec} s per cell`,
  ];
}

export function markdown(r: Results, chartList: Chart[]): string {
  const out = ['# concurrency-bench report', '', ...environmentLines(r).map((l) => `- ${l}`), '', '## Findings', '', ...findings(r).map((f) => `- ${f}`), ''];
  for (const t of workloadTables(r)) {
    out.push(`## ${t.workload}`, '', `| ${COLUMNS.map((c) => c.head).join(' | ')} |`, `| ${COLUMNS.map(() => '---').join(' | ')} |`);
    for (const row of t.rows) out.push(`| ${COLUMNS.map((c) => c.text(row).replace(/\|/g, '\\|')).join(' | ')} |`);
    out.push('');
  }
  out.push('## Charts', '');
  for (const c of chartList) out.push(`![${c.title}](charts/${c.file})`, '');
  return out.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One self-contained page: inline SVG charts, sortable tables (a few lines of script), no network. */
export function html(r: Results, chartList: Chart[]): string {
  const tables = workloadTables(r)
    .map(
      (t) => `<h2>${esc(t.workload)}</h2>
<table class="sortable"><thead><tr>${COLUMNS.map((c, i) => `<th data-col="${i}">${esc(c.head)}</th>`).join('')}</tr></thead><tbody>
${t.rows.map((row) => `<tr${row.clientBound || row.status !== 'ok' ? ' class="flag"' : ''}>${COLUMNS.map((c) => `<td data-value="${esc(String(c.value(row)))}">${esc(c.text(row))}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>`,
    )
    .join('\n');
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
figure { margin: 1rem 0 2rem; overflow-x: auto; } figcaption { font-weight: 600; margin-bottom: .5rem; }
</style></head><body>
<h1>concurrency-bench report</h1>
<ul class="environment">${environmentLines(r)
    .map((l) => `<li>${esc(l)}</li>`)
    .join('')}</ul>
<h2>Findings</h2>
<ul class="findings">${findings(r)
    .map((f) => `<li>${esc(f)}</li>`)
    .join('')}</ul>
${chartList.map((c) => `<figure class="chart" data-file="${esc(c.file)}"><figcaption>${esc(c.title)}</figcaption>${c.svg}</figure>`).join('\n')}
${tables}
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
