// Findings: sentences computed from the numbers of one run, never written in advance.

import { formatInt as int, formatTimes as times } from '../format.js';
import type { Results } from '../results.js';
import { workloads } from '../scenarios.js';
import { BASELINE, headline, measured, type Row, workloadTables } from './model.js';

/** Throughputs closer than this ratio are reported as a tie: run-to-run noise on a shared machine is of this order. */
const TIE = 1.05;

function workloadPath(name: string): string {
  return (workloads as Record<string, { path: string }>)[name]?.path ?? '';
}

export function findings(results: Results): string[] {
  const out: string[] = [];
  const at = headline(results);
  const where = `at ${at.connections} connection${at.connections === 1 ? '' : 's'}`;
  const floors: string[] = [];

  for (const table of workloadTables(results)) {
    const rows = measured(table, at).sort((a, b) => (b.rps?.median ?? 0) - (a.rps?.median ?? 0));
    const [best, second] = rows;
    if (best === undefined) {
      out.push(`${table.workload}: no variant was measured ${where}.`);
      continue;
    }
    const rps = (r: Row) => r.rps?.median ?? 0;
    const base = rows.find((r) => r.variant === BASELINE);
    let sentence: string;
    if (second !== undefined && rps(best) / rps(second) < TIE) {
      // Closer than run-to-run noise on a shared machine: no winner is named.
      sentence = `${table.workload}: ${best.variant} and ${second.variant} were within ${Math.round((TIE - 1) * 100)}% of each other ${where} (${int(rps(best))} and ${int(rps(second))} req/s)`;
    } else {
      sentence = `${table.workload}: ${best.variant} served the most ${where}, ${int(rps(best))} req/s`;
      if (second !== undefined) sentence += `, ${times(rps(best) / rps(second))} the runner-up ${second.variant} (${int(rps(second))})`;
    }
    if (base !== undefined && base !== best && base !== second)
      sentence += `; ${BASELINE} ${int(rps(base))} (${best.variant} ${times(rps(best) / rps(base))} that)`;
    sentence += '.';
    if (best.clientBound)
      sentence += ` The load generator was saturated while measuring ${best.variant}, so its figure is a floor and the order at the top may differ.`;
    out.push(sentence);

    const blocking = rows.find((r) => r.variant === 'blocking');
    if (blocking !== undefined && best.variant !== 'blocking' && rps(best) / rps(blocking) >= 2) {
      out.push(
        `${table.workload}: blocking collapsed to ${int(rps(blocking))} req/s, ${times(rps(best) / rps(blocking))} fewer than ${best.variant}, ` +
          `with p99 latency ${(blocking.p99 ?? 0).toFixed(0)} ms against ${(best.p99 ?? 0).toFixed(1)} ms: connections queue behind the one being served.`,
      );
    }
    const pool = rows.find((r) => r.variant === 'worker-pool');
    const loop = rows.find((r) => r.variant === 'single-loop');
    const poolVariant = results.variants.find((v) => v.name === 'worker-pool');
    const poolInfo = poolVariant !== undefined && 'info' in poolVariant ? poolVariant.info : {};
    const wait = /[?&]ms=(\d+)/.exec(workloadPath(table.workload))?.[1];
    if (pool !== undefined && wait !== undefined && typeof poolInfo.workers === 'number' && typeof poolInfo.tasksPerWorker === 'number') {
      const bound = (poolInfo.workers * poolInfo.tasksPerWorker * 1000) / Number(wait);
      if (rps(pool) <= bound * 1.1) {
        out.push(
          `${table.workload}: the worker pool is capped by its threads: ${poolInfo.workers} thread(s) × ${poolInfo.tasksPerWorker} task(s) each, ` +
            `each waiting ${wait} ms, allow about ${int(bound)} req/s; it served ${int(rps(pool))}. Raise --tasks-per-worker to let waits overlap.`,
        );
      }
    } else if (
      pool !== undefined &&
      loop !== undefined &&
      rps(pool) < rps(loop) &&
      pool.cpuUs !== undefined &&
      loop.cpuUs !== undefined &&
      pool.cpuUs > loop.cpuUs * 1.2
    ) {
      out.push(
        `${table.workload}: the worker pool's cross-thread cost shows: ${int(rps(pool))} req/s against single-loop's ${int(rps(loop))} (${times(rps(pool) / rps(loop))}), ` +
          `and ${pool.cpuUs.toFixed(1)} µs of CPU per request against ${loop.cpuUs.toFixed(1)}.`,
      );
    }
    for (const r of rows) if (r.clientBound) floors.push(`${r.variant} on ${table.workload}`);
  }

  if (floors.length > 0) {
    out.push(
      `Floors, not limits (the load generator used at least 90% of its core): ${floors.join(', ')}. A faster load generator (--loadgen wrk) may show more.`,
    );
  }
  for (const v of results.variants) {
    if (v.status === 'refused') out.push(`${v.name} was refused and not measured: ${v.reason}.`);
    else if (v.status === 'failed') out.push(`${v.name} was stopped by a failure: ${v.reason}.`);
    else if (v.status === 'not-run') out.push(`${v.name} was not run: the run was interrupted first.`);
  }
  const pin = results.environment.pinning;
  if (pin.server === '1-1')
    out.push('The server was pinned to one CPU (the other ran the load generator), so cluster and worker-pool ran with one worker each here.');
  if (results.status === 'incomplete') out.push('This run was interrupted: the results are incomplete.');
  return out;
}
