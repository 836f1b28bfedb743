// The compact table `cbench bench` prints at the end of a run.

import { formatInt, formatTable } from '../format.js';
import { cellsOf, type Results, whyNot } from '../results.js';

const HEAD = ['variant', 'workload', 'conn', 'pipe', 'req/s (median)', 'p99 ms', 'CPU µs/req', 'peak RSS MB', 'note'];
/** conn to peak RSS are numbers. */
const numeric = (i: number) => i >= 2 && i <= 7;

export function summaryTable(results: Results): string {
  const rows: string[][] = [HEAD];
  for (const v of results.variants) {
    const cells = cellsOf(v);
    if (cells.length === 0) {
      rows.push([v.name, '—', '', '', '', '', '', '', whyNot(v).slice(0, 80)]);
      continue;
    }
    for (const c of cells) {
      const key = [v.name, c.workload, String(c.connections), String(c.pipelining)];
      if (c.status === 'failed') {
        rows.push([...key, '—', '—', '—', '—', `failed: ${c.reason}`]);
        continue;
      }
      const s = c.summary;
      rows.push([
        ...key,
        formatInt(s.requestsPerSec.median),
        s.latencyP99Ms.median.toFixed(1),
        s.serverCpuUsPerRequest.median.toFixed(1),
        (s.serverPeakRssBytes.max / 1048576).toFixed(0),
        c.clientBound ? 'client-bound (floor)' : s.errors > 0 ? `${s.errors} errors` : '',
      ]);
    }
  }
  return formatTable(rows, numeric);
}
