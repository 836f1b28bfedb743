// Measuring one cell on a server that is up: a discarded warm-up, then repetitions with the load
// generator in a process of its own, and the server's CPU time and memory read from /proc around
// each. Every mode (the plain run, the A/B run, bench:cpu) measures through this.

import { firstLine } from '../shared/first-line.js';
import { isGone, PeakRss, processTree, type ServerProcess, treeCpuSeconds } from './lib/processes.js';
import type { LoadGenerator, LoadSample } from './loadgen/types.js';
import type { CellResult, FailedCell, OkCell, Repetition } from './results.js';
import { type Cell, type RunSettings, workloads } from './scenarios.js';
import { summarize } from './stats.js';

/** A load generator at or above this share of one core is the bottleneck: its figures are a floor. */
export const CLIENT_BOUND_SHARE = 0.9;

/** What measuring a cell needs besides the server. */
export interface CellContext {
  settings: Pick<RunSettings, 'warmupSec' | 'durationSec' | 'repetitions'>;
  loadgen: LoadGenerator;
  loadgenPin: string[];
}

/** A cell's identity in the results. */
export type CellKey = Pick<CellResult, 'workload' | 'connections' | 'pipelining'>;

export function cellKey(cell: Cell): CellKey {
  return { workload: cell.workload, connections: cell.connections, pipelining: cell.pipelining };
}

/** A cell that could not be measured in full, with the repetitions that finished before. */
export function failedCell(key: CellKey, reason: string, repetitions: Repetition[]): FailedCell {
  return { ...key, status: 'failed', reason, repetitions };
}

export async function runCell(cell: Cell, server: ServerProcess, ctx: CellContext): Promise<CellResult> {
  const origin = `http://127.0.0.1:${server.port}`;
  const target = { origin, workload: workloads[cell.workload], connections: cell.connections, pipelining: cell.pipelining, pin: ctx.loadgenPin };
  const key = cellKey(cell);
  const crashed = () => server.exited() || isGone(server.pid);

  try {
    if (ctx.settings.warmupSec > 0) await ctx.loadgen.run({ ...target, durationSec: ctx.settings.warmupSec });
  } catch (e) {
    return failedCell(key, `warm-up failed: ${firstLine(e)}`, []);
  }
  if (crashed()) return failedCell(key, 'the server exited during warm-up', []);

  const repetitions: Repetition[] = [];
  for (let r = 0; r < ctx.settings.repetitions; r++) {
    const before = treeCpuSeconds(processTree(server.pid));
    const rss = new PeakRss(server.pid);
    rss.start();
    let sample: LoadSample;
    try {
      sample = await ctx.loadgen.run({ ...target, durationSec: ctx.settings.durationSec });
    } catch (e) {
      rss.stop();
      return failedCell(key, `load generator failed: ${firstLine(e)}`, repetitions);
    }
    // Workers that started during the repetition (a replaced cluster worker) count from zero.
    const after = treeCpuSeconds(processTree(server.pid));
    const peak = rss.stop();
    const user = Math.max(0, after.user - before.user);
    const system = Math.max(0, after.system - before.system);
    repetitions.push({
      ...sample,
      serverCpuUserSec: user,
      serverCpuSystemSec: system,
      serverCpuUsPerRequest: sample.requests > 0 ? ((user + system) * 1e6) / sample.requests : null,
      serverPeakRssBytes: peak,
      loadgenCpuShare: sample.loadgenCpuSec / sample.durationSec,
    });
    if (crashed()) return failedCell(key, 'the server exited during the run (crashed)', repetitions);
    if (sample.requests === 0) return failedCell(key, 'the server stopped answering: no request completed', repetitions);
  }

  return cellFromRepetitions(key, repetitions);
}

/** A measured cell from its (one or more) repetitions: client-bound if any was, and median, min and max of each figure. */
export function cellFromRepetitions(key: CellKey, repetitions: Repetition[]): OkCell {
  if (repetitions.length === 0) throw new Error('cellFromRepetitions: a measured cell has at least one repetition');
  const pick = (f: (r: Repetition) => number) => summarize(repetitions.map(f));
  return {
    ...key,
    status: 'ok',
    clientBound: repetitions.some((r) => r.loadgenCpuShare >= CLIENT_BOUND_SHARE),
    repetitions,
    summary: {
      requestsPerSec: pick((r) => r.requestsPerSec),
      latencyP50Ms: pick((r) => r.latencyMs.p50),
      latencyP99Ms: pick((r) => r.latencyMs.p99),
      latencyP99_9Ms: pick((r) => r.latencyMs.p99_9),
      serverCpuUsPerRequest: pick((r) => r.serverCpuUsPerRequest ?? 0),
      serverPeakRssBytes: pick((r) => r.serverPeakRssBytes),
      loadgenCpuShare: pick((r) => r.loadgenCpuShare),
      errors: repetitions.reduce((n, r) => n + r.errors + r.timeouts + r.resets, 0),
    },
  };
}
