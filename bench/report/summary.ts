// The compact table `cbench bench` prints at the end of a run, and the load generator behind it.

import { formatInt, formatTable } from '../format.js';
import { cellsOf, type OkCell, type Results, whyNot } from '../results.js';

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
