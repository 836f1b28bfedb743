// A scaling run's results, made from the quick fixture: cluster and worker-pool at 1, 2 and 4
// workers on plaintext (8 asked, more than the server's 4 CPUs), single-loop beside them.

import { cellsOf, type OkCell, type Results } from '../../results/results.js';
import { fixtureResults } from './fixture.js';

/** A copy of `cell` at `workers` workers, serving `rps`, with the CPU figures given. */
function at(cell: OkCell, workers: number, rps: number, o: { cpuUs?: number; serverShare?: number; clientBound?: boolean; system?: number } = {}): OkCell {
  const s = cell.summary;
  const stats = (x: number) => ({ median: x, min: x * 0.95, max: x * 1.05 });
  return {
    ...cell,
    workers,
    clientBound: o.clientBound ?? false,
    repetitions: cell.repetitions.map((r) => ({ ...r, serverCpuUserSec: 1, serverCpuSystemSec: o.system ?? 0.25 })),
    summary: {
      ...s,
      requestsPerSec: stats(rps),
      serverCpuUsPerRequest: stats(o.cpuUs ?? 20),
      serverCpuShare: stats(o.serverShare ?? 0.97),
      serverPeakRssBytes: stats(workers * 40 * 1024 * 1024),
    },
  };
}

/** The fixture as a scaling run: cluster and worker-pool at 1, 2 and 4 workers on plaintext, single-loop beside them. */
export function scalingRun(pinned = true): Results {
  const r = fixtureResults();
  r.settings = { ...r.settings, workloads: ['plaintext'], workers: [1, 2, 4, 8], scaling: true };
  r.environment.cpuPlan = { cpus: 8, server: 4, loadgen: 4, pinned, rule: 'default', why: 'the default rule', serverHost: null };
  r.variants = r.variants.filter((v) => ['single-loop', 'cluster', 'worker-pool'].includes(v.name));
  for (const v of r.variants) {
    if (v.status !== 'ok') continue;
    const plain = cellsOf(v).find((c): c is OkCell => c.status === 'ok' && c.workload === 'plaintext') as OkCell;
    if (v.name === 'single-loop') v.cells = [{ ...plain, summary: { ...plain.summary, requestsPerSec: { median: 30_000, min: 29_000, max: 31_000 } } }];
    // cluster: near the ideal at 2, then the generator saturates at 4.
    if (v.name === 'cluster') v.cells = [at(plain, 1, 25_000), at(plain, 2, 48_000), at(plain, 4, 60_000, { clientBound: true })];
    // worker-pool: its CPU per request grows with its threads, the kernel's share too.
    if (v.name === 'worker-pool')
      v.cells = [at(plain, 1, 8_000, { cpuUs: 100 }), at(plain, 2, 10_000, { cpuUs: 160, system: 0.6 }), at(plain, 4, 12_000, { cpuUs: 250 })];
  }
  return r;
}
