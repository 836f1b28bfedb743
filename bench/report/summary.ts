// The compact tables `cbench bench` prints at the end of a run: every cell, the load generator
// behind them, and in a capacity run every sweep's capacity.

import { formatInt, formatTable } from '../format.js';
import { cellsOf, type OkCell, type Results, whyNot } from '../results.js';
import { CAPACITY_DEFINITION, CAPACITY_MARKS, capacityText, firstMissText, latencyText, objectiveMs, pastSaturationText } from './capacity-text.js';
import { BASELINE, capacityTables, hasBaseline } from './model.js';

const HEAD = ['variant', 'workload', 'conn', 'pipe', 'req/s (median)', 'p99 ms', 'Jain', 'CPU µs/req', 'peak RSS MB', 'note'];
/** conn to peak RSS are numbers. */
const numeric = (i: number) => i >= 2 && i <= 8;

function note(c: OkCell): string {
  if (c.clientBound) return 'client-bound (floor)';
  if (c.bottleneck === 'both') return 'generator and server saturated';
  return c.summary.errors > 0 ? `${c.summary.errors} errors` : '';
}

export function summaryTable(results: Results): string {
  const rows: string[][] = [HEAD];
  for (const v of results.variants) {
    const cells = cellsOf(v);
    if (cells.length === 0) {
      rows.push([v.name, '—', '', '', '', '', '', '', '', whyNot(v).slice(0, 80)]);
      continue;
    }
    for (const c of cells) {
      const key = [v.name, c.workload, String(c.connections), String(c.pipelining)];
      if (c.status === 'failed') {
        rows.push([...key, '—', '—', '—', '—', '—', `failed: ${c.reason}`]);
        continue;
      }
      const s = c.summary;
      rows.push([
        ...key,
        formatInt(s.requestsPerSec.median),
        s.latencyP99Ms.median.toFixed(1),
        s.fairnessJain === null ? '—' : s.fairnessJain.median.toFixed(2),
        s.serverCpuUsPerRequest?.median.toFixed(1) ?? '?',
        s.serverPeakRssBytes === null ? '?' : (s.serverPeakRssBytes.max / 1048576).toFixed(0),
        note(c),
      ]);
    }
  }
  const g = results.environment.loadgen;
  return `${formatTable(rows, numeric)}\n\nload generator: ${g.name} ${g.version}`;
}

/**
 * The capacity of every variant at each workload's objective, for `cbench bench` to print after
 * the summary table of a capacity run; '' for any other run.
 */
export function capacitySummary(results: Results): string {
  const tables = capacityTables(results);
  if (tables.length === 0) return '';
  const ratio = hasBaseline(results);
  const head = [
    'variant',
    'workload',
    'conn',
    'p99 ≤ ms',
    'capacity req/s',
    ...(ratio ? [`vs ${BASELINE}`] : []),
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
    ...(all.some((r) => r.generatorSaturatedAtMiss) ? [CAPACITY_MARKS.floor] : []),
  ];
  return (
    `capacity: ${CAPACITY_DEFINITION}\n\n` +
    `${formatTable(rows, (i) => i >= 2 && i <= head.indexOf('at 90%'))}` +
    (marks.length === 0 ? '' : `\n\n${marks.join('\n')}`)
  );
}
