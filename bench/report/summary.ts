// The compact tables `cbench bench` prints at the end of a run: every cell, the load generator
// behind them, and in a capacity run every sweep's capacity.

import { formatInt, formatTable } from '../lib/format.js';
import { cellsOf, type OkCell, type Results, whyNot } from '../results/results.js';
import { CAPACITY_DEFINITION, CAPACITY_MARKS, capacityText, firstMissText, latencyText, objectiveMs, pastSaturationText } from './capacity-text.js';
import { baselineOf, capacityTables, quickRoutes, resilienceRows, routeP99 } from './model.js';
import { mb, msText, percent, sec, unmeasuredText } from './resilience-text.js';

const HEAD = ['variant', 'workload', 'conn', 'pipe', 'req/s (median)', 'p99 ms', 'Jain', 'CPU µs/req', 'peak RSS MB', 'note'];
/** Beside the p99 of a run with mixes: that of each mix's quick request. */
const QUICK_HEAD = 'quick p99 ms';

function note(c: OkCell): string {
  if (c.clientBound) return 'client-bound (floor)';
  if (c.bottleneck === 'both') return 'generator and server saturated';
  return c.summary.errors > 0 ? `${c.summary.errors} errors` : '';
}

/**
 * Every cell, one line each; in a run with mixes, beside the p99 of the whole mix that of its
 * quick request (— where the load generator did not count it apart), and a line saying which
 * request that is.
 */
export function summaryTable(results: Results): string {
  const quick = quickRoutes(results);
  const head = quick.size === 0 ? HEAD : [...HEAD.slice(0, 6), QUICK_HEAD, ...HEAD.slice(6)];
  const rows: string[][] = [head];
  const fill = (n: number, text: string) => Array.from({ length: n }, () => text);
  let uncounted = false;
  for (const v of results.variants) {
    const cells = cellsOf(v);
    if (cells.length === 0) {
      rows.push([v.name, '—', ...fill(head.length - 3, ''), whyNot(v).slice(0, 80)]);
      continue;
    }
    for (const c of cells) {
      const key = [v.name, c.workload, String(c.connections), String(c.pipelining)];
      if (c.status === 'failed') {
        rows.push([...key, ...fill(head.length - 5, '—'), `failed: ${c.reason}`]);
        continue;
      }
      const s = c.summary;
      const label = quick.get(c.workload);
      const quickP99 = label === undefined ? '' : (routeP99(results, c, label)?.toFixed(1) ?? '—');
      if (quickP99 === '—') uncounted = true;
      rows.push([
        ...key,
        formatInt(s.requestsPerSec.median),
        s.latencyP99Ms.median.toFixed(1),
        ...(quick.size === 0 ? [] : [quickP99]),
        s.fairnessJain === null ? '—' : s.fairnessJain.median.toFixed(2),
        s.serverCpuUsPerRequest?.median.toFixed(1) ?? '?',
        s.serverPeakRssBytes === null ? '?' : (s.serverPeakRssBytes.max / 1048576).toFixed(0),
        note(c),
      ]);
    }
  }
  const g = results.environment.loadgen;
  // conn to peak RSS are numbers.
  const table = formatTable(rows, (i) => i >= 2 && i < head.length - 1);
  return `${table}\n\n${quick.size === 0 ? '' : `${quickLegend(quick, uncounted)}\n`}load generator: ${g.name} ${g.version}`;
}

/** `quick p99: ... GET /json in mixed, mixed@5%`: which request each mix's quick p99 is of. */
function quickLegend(quick: ReadonlyMap<string, string>, uncounted: boolean): string {
  const byLabel = new Map<string, string[]>();
  for (const [workload, label] of quick) byLabel.set(label, [...(byLabel.get(label) ?? []), workload]);
  return (
    `quick p99: the p99 of a mix's quick request (not heavy, the largest share): ` +
    `${[...byLabel].map(([label, workloads]) => `${label} in ${workloads.join(', ')}`).join('; ')}` +
    (uncounted ? '; — where the load generator did not count it apart' : '')
  );
}

/**
 * The capacity of every variant at each workload's objective, for `cbench bench` to print after
 * the summary table of a capacity run; '' for any other run.
 */
export function capacitySummary(results: Results): string {
  const tables = capacityTables(results);
  if (tables.length === 0) return '';
  const base = baselineOf(results);
  const ratio = base !== undefined;
  const head = [
    'variant',
    'workload',
    'conn',
    'p99 ≤ ms',
    'capacity req/s',
    ...(ratio ? [`vs ${base}`] : []),
    'closed max',
    'p50/p99 ms at 50%',
    'at 90%',
    'first miss',
    'past saturation',
  ];
  const rows: string[][] = [head];
  for (const t of tables) {
    for (const r of t.rows) {
      rows.push([
        r.variant,
        t.workload,
        r.connections > 0 ? String(r.connections) : '—',
        objectiveMs(t.sloP99Ms),
        r.capacityRps === undefined && r.note !== '' ? r.note.slice(0, 60) : capacityText(r),
        ...(ratio ? [r.vsNodeHttp === undefined ? '—' : `${r.vsNodeHttp.toFixed(2)}×`] : []),
        r.maxRps === undefined ? '—' : formatInt(r.maxRps),
        latencyText(r.at50),
        latencyText(r.at90),
        firstMissText(r),
        pastSaturationText(r),
      ]);
    }
  }
  const all = tables.flatMap((t) => t.rows);
  const marks = [
    ...(all.some((r) => r.recoveredAfterMiss) ? [CAPACITY_MARKS.recovered] : []),
    ...(all.some((r) => r.generatorBoundAtMiss !== null) ? [CAPACITY_MARKS.floor] : []),
  ];
  return (
    `capacity: ${CAPACITY_DEFINITION}\n\n` +
    `${formatTable(rows, (i) => i >= 2 && i <= head.indexOf('at 90%'))}` +
    (marks.length === 0 ? '' : `\n\n${marks.join('\n')}`)
  );
}

/**
 * A line per variant of a resilience run, for `cbench bench` to print at its end: how ordinary
 * requests fared under the idle flood and slowloris, when the slowloris and idle connections
 * were let go, what the pipelining flood did, and the killed worker.
 */
export function resilienceSummary(results: Results): string {
  const head = [
    'variant',
    'ordinary ok',
    'p99 ms',
    'slowloris 408 p50',
    'idle closed p50',
    'flood: read before stopping',
    'RSS +MB',
    'then',
    'killed worker: failed',
    'serving after ms',
    'note',
  ];
  const rows: string[][] = [head];
  for (const row of resilienceRows(results)) {
    const r = row.resilience;
    const notes: string[] = row.note === '' ? [] : [row.note];
    const i = r?.idleFlood ?? null;
    const f = r?.pipelineFlood ?? null;
    const k = r?.killedWorker ?? null;
    const idle =
      i?.status === 'measured'
        ? [
            `${percent(i.ordinary.successRate)} of ${formatInt(i.ordinary.sent)}`,
            i.ordinary.latencyMs === null ? '—' : msText(i.ordinary.latencyMs.p99),
            i.slowloris.answered408AfterMs === null ? `none of ${i.slowloris.opened}` : sec(i.slowloris.answered408AfterMs.p50),
            i.idle.closedAfterMs === null
              ? `none of ${formatInt(i.idle.opened)}`
              : `${sec(i.idle.closedAfterMs.p50)}${i.idle.openAtEnd > 0 ? ` (${formatInt(i.idle.closedByServer)} of ${formatInt(i.idle.opened)})` : ''}`,
          ]
        : ['—', '—', '—', '—'];
    if (r !== null && i?.status !== 'measured') notes.push(`idle flood ${unmeasuredText(i)}`);
    const flood =
      f?.status === 'measured'
        ? [
            f.stoppedReading === true && f.serverReadBytes !== null
              ? `${formatInt(Math.floor(f.serverReadBytes / f.requestBytes))} of ${formatInt(f.requests)}`
              : f.stoppedReading === false
                ? `all ${formatInt(f.requests)} (did not stop)`
                : '—',
            mb(f.peakRssBytes - f.idleRssBytes),
            f.outcome === 'served' ? 'served all' : f.outcome === 'closed' ? `closed after ${formatInt(f.responses)}` : 'gave up',
          ]
        : ['—', '—', '—'];
    if (r !== null && f?.status !== 'measured') notes.push(`flood ${unmeasuredText(f)}`);
    const kill =
      k?.status === 'measured'
        ? [percent(k.failedShare), k.servingAfterMs === null ? 'never' : formatInt(k.servingAfterMs)]
        : [k?.status === 'not-applicable' ? 'n/a' : '—', '—'];
    if (r !== null && k?.status === 'failed') notes.push(`killed worker ${unmeasuredText(k)}`);
    rows.push([row.variant, ...idle, ...flood, ...kill, notes.join('; ').slice(0, 100)]);
  }
  const s = results.settings.resilience;
  const legend =
    s === undefined || s === null
      ? ''
      : `\nordinary: GET /plaintext at ${s.ordinaryRps}/s for ${s.windowSec} s during ${formatInt(s.idleConnections)} idle and ${formatInt(s.slowlorisConnections)} slowloris connections, ok = 2xx within ${sec(s.requestTimeoutMs)}; ` +
        `flood: ${formatInt(s.pipelinedRequests)} pipelined requests unread; n/a: no worker process to kill`;
  return `${formatTable(rows, (c) => c >= 1 && c < head.length - 1)}${legend}`;
}
