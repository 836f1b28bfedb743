// report.md, report.html and charts/*.svg beside a run's results.json.

import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { COLLAPSE_SHARE } from '../analysis/capacity.js';
import { formatInt as int } from '../lib/format.js';
import { cellsOf, type Results } from '../results/results.js';
import { readResults, writeFileAtomic } from '../results/store.js';
import { CAPACITY_DEFINITION, CAPACITY_MARKS, capacityText, firstMissText, latencyText, objectiveMs, pastSaturationText, rangeText } from './capacity-text.js';
import { type Chart, charts } from './charts.js';
import { findings } from './findings.js';
import {
  baselineOf,
  type CapacityRow,
  type CapacityTable,
  capacityRange,
  capacityTables,
  isResilienceRun,
  type RouteFigures,
  type RouteRow,
  type RouteTable,
  type Row,
  resilienceRows,
  routeTables,
  workloadTables,
} from './model.js';
import { RESILIENCE_INTRO, RESILIENCE_TABLES } from './resilience-tables.js';
import { resilienceSettingsText } from './resilience-text.js';

/** A table's column: header, cell text, and the value a sort uses. */
export interface Column<T> {
  head: string;
  text: (r: T) => string;
  value: (r: T) => number | string;
}

/** What a server whose process the suite does not know (a target without its pid) shows for its CPU and memory. */
const UNKNOWN = '?';

/** A server figure: '?' where the cell was measured but the server's process was not known, '—' where nothing was measured. */
const serverFigure = (r: Row, n: number | undefined, digits: number) => (n === undefined && r.status === 'ok' ? UNKNOWN : fixed(n, digits));

/** The column of ratios to the baseline, headed with its name once the run is known (columnsFor). */
const VS_BASELINE = 'vs baseline';

/** The columns of every workload table. */
const COLUMNS: Array<Column<Row>> = [
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
  { head: 'CPU µs/req', text: (r) => serverFigure(r, r.cpuUs, 1), value: (r) => r.cpuUs ?? -1 },
  { head: 'peak RSS MB', text: (r) => serverFigure(r, r.rssMb, 0), value: (r) => r.rssMb ?? -1 },
  { head: 'errors', text: (r) => (r.errors === undefined ? '—' : String(r.errors)), value: (r) => r.errors ?? -1 },
  { head: VS_BASELINE, text: (r) => (r.vsNodeHttp === undefined ? '—' : `${r.vsNodeHttp.toFixed(2)}×`), value: (r) => r.vsNodeHttp ?? -1 },
  { head: 'note', text: (r) => r.note, value: (r) => r.note },
];

function fixed(n: number | undefined, digits: number): string {
  return n === undefined ? '—' : n.toFixed(digits);
}

/** The ratios' column named after the run's baseline; without one (a run against targets), no such column. */
function columnsFor<T>(r: Results, columns: Array<Column<T>>): Array<Column<T>> {
  const base = baselineOf(r);
  return base === undefined ? columns.filter((c) => c.head !== VS_BASELINE) : columns.map((c) => (c.head === VS_BASELINE ? { ...c, head: `vs ${base}` } : c));
}

/** The columns of every capacity table. */
const CAPACITY_COLUMNS: Array<Column<CapacityRow>> = [
  { head: 'variant', text: (r) => r.variant, value: (r) => r.variant },
  { head: 'conn', text: (r) => (r.connections > 0 ? String(r.connections) : '—'), value: (r) => r.connections },
  { head: 'capacity req/s', text: capacityText, value: (r) => r.capacityRps ?? -1 },
  {
    head: 'range req/s',
    text: (r) => {
      const range = capacityRange(r);
      return range === undefined ? '—' : rangeText(range);
    },
    value: (r) => capacityRange(r)?.lo ?? -1,
  },
  {
    head: 'per repetition',
    text: (r) => r.capacityByRepetition?.map((x) => (x === null ? 'none' : int(x))).join(', ') ?? '—',
    value: (r) => Math.min(...(r.capacityByRepetition ?? [-1]).map((x) => x ?? 0)),
  },
  { head: VS_BASELINE, text: (r) => (r.vsNodeHttp === undefined ? '—' : `${r.vsNodeHttp.toFixed(2)}×`), value: (r) => r.vsNodeHttp ?? -1 },
  { head: 'closed-loop max req/s', text: (r) => (r.maxRps === undefined ? '—' : int(r.maxRps)), value: (r) => r.maxRps ?? -1 },
  { head: 'p50 / p99 ms at 50%', text: (r) => latencyText(r.at50), value: (r) => r.at50?.p99Ms ?? -1 },
  { head: 'p50 / p99 ms at 90%', text: (r) => latencyText(r.at90), value: (r) => r.at90?.p99Ms ?? -1 },
  { head: 'first miss req/s', text: (r) => firstMissText(r), value: (r) => r.firstMiss?.offeredRps ?? -1 },
  { head: 'past saturation req/s', text: pastSaturationText, value: (r) => r.pastSaturation?.shape ?? '' },
  { head: 'note', text: (r) => r.note, value: (r) => r.note },
];

/** A line of a per-route table: one request of a mix in a cell, or the cell alone where it has none (its note says why). */
interface RouteLine {
  row: RouteRow;
  route?: RouteFigures;
}

/** A share of the draws: 95%, 0.5%. */
const shareText = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** What a line's request is to its mix: `quick` (the one the findings follow), `heavy`, or neither. */
const kindOf = (l: RouteLine) => (l.route?.quick ? 'quick' : l.route?.heavy ? 'heavy' : '');

/** A line's note: why its cell has no requests, or that a request of the mix was never answered. */
const routeNote = (l: RouteLine) => (l.route === undefined ? l.row.note : l.route.summary === undefined ? 'not answered in any repetition' : '');

/** A figure of a route's summary, `—` where the line has none. */
const routeFigure = (l: RouteLine, f: (s: NonNullable<RouteFigures['summary']>) => number, digits: number) =>
  l.route?.summary === undefined ? '—' : f(l.route.summary).toFixed(digits);

/** The columns of every per-route table. */
const ROUTE_COLUMNS: Array<Column<RouteLine>> = [
  { head: 'variant', text: (l) => l.row.variant, value: (l) => l.row.variant },
  { head: 'conn', text: (l) => (l.row.connections > 0 ? String(l.row.connections) : '—'), value: (l) => l.row.connections },
  { head: 'request', text: (l) => l.route?.label ?? '—', value: (l) => l.route?.label ?? '' },
  { head: 'kind', text: kindOf, value: kindOf },
  { head: 'share', text: (l) => (l.route?.share === undefined ? '—' : shareText(l.route.share)), value: (l) => l.route?.share ?? -1 },
  {
    head: 'requests',
    text: (l) => (l.route === undefined ? '—' : int(l.route.summary?.requests ?? 0)),
    value: (l) => l.route?.summary?.requests ?? (l.route === undefined ? -1 : 0),
  },
  { head: 'non-2xx', text: (l) => (l.route === undefined ? '—' : String(l.route.summary?.non2xx ?? 0)), value: (l) => l.route?.summary?.non2xx ?? -1 },
  { head: 'p50 ms', text: (l) => routeFigure(l, (s) => s.latencyP50Ms.median, 1), value: (l) => l.route?.summary?.latencyP50Ms.median ?? -1 },
  { head: 'p99 ms', text: (l) => routeFigure(l, (s) => s.latencyP99Ms.median, 1), value: (l) => l.route?.summary?.latencyP99Ms.median ?? -1 },
  { head: 'p99.9 ms', text: (l) => routeFigure(l, (s) => s.latencyP99_9Ms.median, 1), value: (l) => l.route?.summary?.latencyP99_9Ms.median ?? -1 },
  { head: 'note', text: routeNote, value: routeNote },
];

/** A per-route table's lines: each request of each cell, and a line for a cell with none. */
function routeLines(t: RouteTable): RouteLine[] {
  return t.rows.flatMap((row) => (row.routes.length === 0 ? [{ row }] : row.routes.map((route) => ({ row, route }))));
}

/** How to read a per-route table. */
const ROUTES_INTRO =
  'Each request of a mix, as the load generator counted it apart: its share of the draws, its answers in the window (summed over the repetitions) ' +
  'and those not 2xx, and the median over the repetitions of its p50, p99 and p99.9. **quick** marks the request the findings and charts follow: ' +
  'of those not marked heavy, the one with the largest share; **heavy**, the CPU-heavy ones, whose share a mix@N% workload sets.';

const routeHeading = (t: RouteTable) => `${t.workload}: per route`;

/** How to read a capacity table: what each column is and how it is obtained. */
function capacityIntro(r: Results): string {
  const c = r.settings.capacity;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return (
    `After each cell's closed loop, an open loop offered it every rate of the sweep in turn (${c?.rates.join(', ') ?? ''}). ` +
    `**Capacity**: ${CAPACITY_DEFINITION} ` +
    `(none kept up: not even the lowest rate). Marks: ${CAPACITY_MARKS.recovered}; ${CAPACITY_MARKS.floor}. ` +
    '**Range**: from the lowest capacity any repetition reached alone to the next rate swept above the highest (open when none was above); ' +
    'two variants whose ranges overlap are within noise. ' +
    "**p50 / p99 at 50% and 90%** of the variant's own capacity: interpolated linearly, in offered rate, between the two measured rates " +
    'on either side of that rate (— when it is below the lowest rate swept). **First miss**: the lowest rate that missed, and what missed there. ' +
    `**Past saturation**: once it fell behind, req/s served at its peak → at the highest rate offered: a collapse when that is below ${pct(COLLAPSE_SHARE)} of the peak, else a plateau.`
  );
}

/** In a capacity run, what the workload tables hold, apart from the sweeps. */
const CLOSED_LOOP = 'Closed loop: each connection sends its next request once answered; its median is the maximum the sweep’s percentages are of.';

const capacityHeading = (t: CapacityTable) => `${t.workload}: capacity at p99 ≤ ${objectiveMs(t.sloP99Ms)} ms`;

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
    e.pinning.server === null ? 'not pinned' : `server pinned to CPUs ${e.pinning.server}, load generator to CPU ${e.pinning.loadgen}`,
    r.settings.resilience === undefined || r.settings.resilience === null
      ? `profile ${r.settings.profile}: connections ${r.settings.connections.join(', ')}; pipelining ${r.settings.pipelining.join(', ')}; ` +
        `${r.settings.warmupSec} s warm-up, ${r.settings.repetitions} × ${r.settings.durationSec} s per cell`
      : `profile ${r.settings.profile}: ${resilienceSettingsText(r.settings.resilience)}`,
    ...capacityLines(r),
    ...targetLines(r),
  ];
}

/** A capacity run's sweep: rates, arrivals and the objective of each workload it ran. */
function capacityLines(r: Results): string[] {
  const c = r.settings.capacity;
  if (c === null) return [];
  const objectives = capacityTables(r).map((t) => `${t.workload} ${objectiveMs(t.sloP99Ms)} ms`);
  return [
    `capacity sweep after each cell's closed loop: offered rates ${c.rates.join(', ')} (a percentage is of the cell's closed-loop maximum), ` +
      `${c.arrivals} arrivals, ${r.settings.repetitions} × ${r.settings.durationSec} s per rate; p99 objective: ${objectives.join(', ')}`,
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

function mdTable<T>(columns: Array<Column<T>>, rows: T[]): string[] {
  return [
    `| ${columns.map((c) => c.head).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((c) => c.text(row).replace(/\|/g, '\\|')).join(' | ')} |`),
  ];
}

export function markdown(r: Results, chartList: Chart[]): string {
  const out = ['# concurrency-bench report', '', ...environmentLines(r).map((l) => `- ${l}`), '', '## Findings', '', ...findings(r).map((f) => `- ${f}`), ''];
  const capacity = capacityTables(r);
  if (capacity.length > 0) {
    out.push('## Capacity at the latency objective', '', capacityIntro(r), '');
    for (const t of capacity) out.push(`### ${capacityHeading(t)}`, '', ...mdTable(columnsFor(r, CAPACITY_COLUMNS), t.rows), '');
  }
  for (const t of workloadTables(r)) {
    out.push(`## ${t.workload}`, '');
    if (capacity.length > 0) out.push(CLOSED_LOOP, '');
    out.push(...mdTable(columnsFor(r, COLUMNS), t.rows), '');
  }
  const routes = routeTables(r);
  if (routes.length > 0) {
    out.push('## Per route', '', ROUTES_INTRO, '');
    for (const t of routes) out.push(`### ${routeHeading(t)}`, '', ...mdTable(ROUTE_COLUMNS, routeLines(t)), '');
  }
  if (isResilienceRun(r)) {
    const rows = resilienceRows(r);
    out.push('## Resilience', '', RESILIENCE_INTRO, '');
    for (const t of RESILIENCE_TABLES) out.push(`### ${t.heading}`, '', t.intro, '', ...mdTable(t.columns, rows), '');
  }
  // A resilience run has no cells, so no charts.
  if (chartList.length > 0 || !isResilienceRun(r)) out.push('## Charts', '');
  for (const c of chartList) out.push(`![${c.title}](charts/${c.file})`, '');
  return out.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A sortable table; `flag` rows are marked (their note in colour). */
function htmlTable<T>(columns: Array<Column<T>>, rows: T[], flag: (r: T) => boolean, attrs = ''): string {
  return `<table class="sortable"${attrs}><thead><tr>${columns.map((c, i) => `<th data-col="${i}">${esc(c.head)}</th>`).join('')}</tr></thead><tbody>
${rows.map((row) => `<tr${flag(row) ? ' class="flag"' : ''}>${columns.map((c) => `<td data-value="${esc(String(c.value(row)))}">${esc(c.text(row))}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>`;
}

/** Markdown's **bold** as <strong>, in text already escaped. */
const strong = (s: string) => s.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');

/** One self-contained page: inline SVG charts, sortable tables (a few lines of script), no network. */
export function html(r: Results, chartList: Chart[]): string {
  const capacity = capacityTables(r);
  const capacitySection =
    capacity.length === 0
      ? ''
      : `<section class="capacity"><h2>Capacity at the latency objective</h2>
<p>${strong(esc(capacityIntro(r)))}</p>
${capacity
  .map(
    (t) =>
      `<h3>${esc(capacityHeading(t))}</h3>\n${htmlTable(columnsFor(r, CAPACITY_COLUMNS), t.rows, (row) => row.status !== 'ok' || row.capacityRps === null || row.note !== '', ` data-workload="${esc(t.workload)}"`)}`,
  )
  .join('\n')}
</section>`;
  const closedLoop = capacity.length === 0 ? '' : `<p>${esc(CLOSED_LOOP)}</p>\n`;
  const tables = workloadTables(r)
    .map((t) => `<h2>${esc(t.workload)}</h2>\n${closedLoop}${htmlTable(columnsFor(r, COLUMNS), t.rows, (row) => row.clientBound || row.status !== 'ok')}`)
    .join('\n');
  const routes = routeTables(r);
  const routesSection =
    routes.length === 0
      ? ''
      : `<section class="routes"><h2>Per route</h2>
<p>${strong(esc(ROUTES_INTRO))}</p>
${routes
  .map(
    (t) => `<h3>${esc(routeHeading(t))}</h3>\n${htmlTable(ROUTE_COLUMNS, routeLines(t), (l) => l.route === undefined, ` data-workload="${esc(t.workload)}"`)}`,
  )
  .join('\n')}
</section>`;
  const resilience = isResilienceRun(r) ? resilienceRows(r) : [];
  const resilienceSection =
    resilience.length === 0
      ? ''
      : `<section class="resilience"><h2>Resilience</h2>
<p>${esc(RESILIENCE_INTRO)}</p>
${RESILIENCE_TABLES.map(
  (t) =>
    `<h3>${esc(t.heading)}</h3>\n<p>${strong(esc(t.intro))}</p>\n${htmlTable(t.columns, resilience, (row) => row.resilience?.[t.key]?.status !== 'measured', ` data-scenario="${t.key}"`)}`,
).join('\n')}
</section>`;
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
<h2>Findings</h2>
<ul class="findings">${findings(r)
    .map((f) => `<li>${esc(f)}</li>`)
    .join('')}</ul>
${capacitySection}
${chartList.map((c) => `<figure class="chart" data-file="${esc(c.file)}"><figcaption>${esc(c.title)}</figcaption>${c.svg}</figure>`).join('\n')}
${tables}
${routesSection}
${resilienceSection}
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
