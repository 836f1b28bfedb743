// Findings: sentences computed from the numbers of one run, never written in advance.

import { formatInt as int, formatTimes as times } from '../format.js';
import { SATURATED_SHARE } from '../measure.js';
import type { CellResult, Repetition, Results } from '../results.js';
import { workloads } from '../scenarios.js';
import { BASELINE, headline, measured, type Row, workloadTables } from './model.js';

/** Throughputs closer than this ratio are reported as a tie: run-to-run noise on a shared machine is of this order. */
const TIE = 1.05;

/**
 * A cell whose median Jain index is below this was served unevenly. Jain's index is 1 / (1 + CV²)
 * of the requests each connection completed, so 0.9 is a spread (CV) of a third of the mean: far
 * beyond an even server (the FIFO worker pool served every connection 154–155 times, J ≈ 1) and
 * well short of a queue that passes requests over (piscina's default: 41 to 270).
 */
const UNFAIR_JAIN = 0.9;

/**
 * Jain's index hardly sees a few starved connections (one connection served not at all among 64
 * still gives 63/64 = 0.98), so a cell whose least-served connection completed less than this
 * share of the median is flagged too. Event-loop servers on /cpu put one or two connections at
 * 0.5–0.6 of the median, run after run (the first and last the generator opened: not explained
 * yet); piscina's default queue put one at 0.14.
 */
const STARVED_SHARE = 0.25;

/**
 * First responses are reported when their max (median over repetitions, so one slow start does
 * not decide) is at least LATE_FIRST_RATIO × the cell's steady-state p99 and LATE_FIRST_MS.
 * During warm-up every connection has one request outstanding, as in the closed-loop window, so a
 * server that takes connections in turn answers the last of them about as late as a measured
 * request (connections / throughput): a few p99s is ordinary, ten means connections were held
 * back before the server read them. Below 100 ms a late start is within start-up noise (JIT,
 * first GC) and not something a client would notice.
 */
const LATE_FIRST_RATIO = 10;
const LATE_FIRST_MS = 100;

type Info = Record<string, string | number>;
type Fairness = NonNullable<Repetition['fairness']>;

function workloadPath(name: string): string {
  return (workloads as Record<string, { path: string }>)[name]?.path ?? '';
}

/** What a variant reported about itself on start; empty when it never started. */
function infoOf(results: Results, variant: string): Info {
  const v = results.variants.find((x) => x.name === variant);
  return v !== undefined && 'info' in v ? v.info : {};
}

/** `64 connections`, with the pipelining depth when there is one. */
function cellAt(r: Row): string {
  return `${r.connections} connection${r.connections === 1 ? '' : 's'}${r.pipelining > 1 ? `, pipelining ${r.pipelining}` : ''}`;
}

const ms = (x: number) => (x >= 100 ? int(x) : x.toFixed(1));
const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The repetition at the median of Jain's index (the lower of the middle two), so its min, median and max belong together. */
function medianFairness(cell: CellResult): Fairness | undefined {
  const all = cell.repetitions.flatMap((r) => (r.fairness === null ? [] : [r.fairness])).sort((a, b) => a.jain - b.jain);
  return all[Math.floor((all.length - 1) / 2)];
}

function unfairness(workload: string, r: Row, info: Info): string | undefined {
  if (r.jain === undefined || r.cell === undefined) return undefined;
  const f = medianFairness(r.cell);
  const starved = f !== undefined && f.median > 0 && f.min < STARVED_SHARE * f.median;
  if (r.jain >= UNFAIR_JAIN && !starved) return undefined;
  const spread = f === undefined ? '' : `; in its median repetition a connection completed ${int(f.min)} to ${int(f.max)} requests, median ${int(f.median)}`;
  let cause: string;
  if (r.variant === 'worker-pool' && info.queue === 'piscina')
    cause =
      "piscina's default queue (queue=piscina) puts a task it could not dispatch back at its tail, so some requests are passed over again and again; " +
      '--queue fifo, now the default, serves them in the order they came';
  else if (r.variant === 'cluster' && info.schedule === 'os')
    cause = 'with schedule=os the kernel spread the connections over the workers unevenly, and each connection stays with its worker';
  else
    cause =
      'the server answered some connections before others, as a queue that is not first in, first out does, or connections spread unevenly over processes or threads';
  const generator =
    r.bottleneck === 'loadgen' || r.bottleneck === 'both' ? ' The load generator was saturated as well, so part of the unevenness may be its own.' : '';
  return (
    `${workload}: ${r.variant} served its ${cellAt(r)} unevenly: Jain's index ${r.jain.toFixed(2)} ` +
    `(1 is even; below ${UNFAIR_JAIN}, or a connection served less than a quarter as often as the median one, is flagged)${spread}. ` +
    `A starved connection completes few requests, so its long waits weigh little in the latency percentiles. Likely cause: ${cause}.${generator}`
  );
}

function lateFirstResponses(workload: string, r: Row, info: Info): string | undefined {
  const first = r.firstResponseMs;
  if (first === undefined || r.p99 === undefined || first.max < LATE_FIRST_MS || first.max < r.p99 * LATE_FIRST_RATIO) return undefined;
  let cause: string;
  if (r.variant === 'cluster' && info.schedule === 'rr')
    cause =
      'With schedule=rr the primary accepts every connection and hands them to the workers one at a time, each only once the worker has taken the last, ' +
      'and a worker busy serving takes it late; --schedule os lets the workers accept connections themselves.';
  else if (r.variant === 'worker-pool' && info.queue === 'piscina')
    cause =
      "piscina's default queue (queue=piscina) may have passed over some first requests again and again; --queue fifo serves them in the order they came.";
  else
    cause =
      'An event loop accepts one new connection per turn (libuv 1.45 and later, so Node 20 on), and a busy turn lasts as long as serving every ready connection once: ' +
      'new connections wait their turn while the server is saturated.';
  return (
    `${workload}: ${r.variant}'s first responses on fresh connections came as late as ${ms(first.max)} ms (p99 ${ms(first.p99)} ms) at ${cellAt(r)}, ` +
    `${times(first.max / r.p99)} its steady-state p99 of ${r.p99.toFixed(1)} ms. The connections were opened and answered before the measured window, ` +
    `so this is ramp-up, not steady state: no other figure in this report includes it. ${cause}`
  );
}

export function findings(results: Results): string[] {
  const out: string[] = [];
  const at = headline(results);
  const where = `at ${at.connections} connection${at.connections === 1 ? '' : 's'}`;
  const floors: string[] = [];
  const bothSaturated: string[] = [];
  const swept = results.settings.connections.length > 1 || results.settings.pipelining.length > 1;

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
    const poolInfo = infoOf(results, 'worker-pool');
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

    // Every cell, not only the headline's: an uneven or slow start at any concurrency is worth knowing.
    for (const r of table.rows) {
      if (r.status !== 'ok') continue;
      const info = infoOf(results, r.variant);
      for (const f of [unfairness(table.workload, r, info), lateFirstResponses(table.workload, r, info)]) if (f !== undefined) out.push(f);
      const s = r.cell?.status === 'ok' ? r.cell.summary : undefined;
      if (r.bottleneck === 'both' && s !== undefined)
        bothSaturated.push(
          `${r.variant} on ${table.workload}${swept ? ` at ${cellAt(r)}` : ''} (generator ${pct(s.loadgenCpuShare.median)}, server ${pct(s.serverCpuShare?.median ?? 0)})`,
        );
    }
  }

  if (floors.length > 0) {
    out.push(
      `Floors, not limits (the load generator used at least ${pct(SATURATED_SHARE)} of its core): ${floors.join(', ')}. A faster load generator (--loadgen wrk) may show more.`,
    );
  }
  if (bothSaturated.length > 0) {
    out.push(
      `Load generator and server both saturated (each used at least ${pct(SATURATED_SHARE)} of the CPU it could): ${bothSaturated.join(', ')}. ` +
        'The server was at its limit, so these are not floors, but the latencies may include time responses waited for the generator.',
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
