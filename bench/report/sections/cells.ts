// The cells: a table per workload with every variant at every connections × pipelining, the
// findings on who served the most and what each model's nature explains, the throughput,
// latency, CPU and connections charts, and the table `cbench bench` prints at the end of a run.

import type { ConcurrencyModel } from '../../../servers/variants/types.js';
import { SATURATED_SHARE } from '../../analysis/saturation.js';
import { formatInt, formatTable, formatInt as int, formatTimes as times } from '../../lib/format.js';
import { summarize } from '../../lib/stats.js';
import {
  type Bottleneck,
  type CellResult,
  cellsOf,
  type OkCell,
  type Repetition,
  type Results,
  rowLabel,
  type VariantResult,
  whyNot,
} from '../../results/results.js';
import { baselineOf, headline, headlineText, type Info, infoOf, modelOf, pct, routeP99, rowsFor, TIE, workloadPath } from '../facts.js';
import type { ReportSection, SectionFindings } from '../section.js';
import { type Column, columnsFor, fixed, tableBlock, UNKNOWN, VS_BASELINE } from '../table.js';
import { barsWithWhiskers, type Chart, colorOf, contenders, perWorkload, render } from '../vega.js';
import { ms } from './capacity.js';
import { quickRoutes } from './routes.js';

/** One row of a workload's table: a variant at one connections × pipelining. */
export interface Row {
  variant: string;
  connections: number;
  pipelining: number;
  status: 'ok' | 'failed' | 'refused' | 'not-run';
  rps?: { median: number; min: number; max: number };
  p50?: number;
  p99?: number;
  p99_9?: number;
  cpuUs?: number;
  rssMb?: number;
  errors?: number;
  /** Jain's index of completed requests per connection, median over repetitions; 1 is perfectly even. */
  jain?: number;
  /** Connect to first response on fresh connections, before the window: medians over repetitions of its p99 and max. */
  firstResponseMs?: { p99: number; max: number };
  clientBound: boolean;
  /** Which side was saturated; unset when unknown (files before version 3) or not measured. */
  bottleneck?: Bottleneck;
  /** requests/s over the baseline's (baselineOf) in the same cell. */
  vsNodeHttp?: number;
  note: string;
  cell?: CellResult;
}

export interface WorkloadTable {
  workload: string;
  rows: Row[];
}

function rowOf(v: VariantResult, c: CellResult): Row {
  const row: Row = {
    variant: v.name,
    connections: c.connections,
    pipelining: c.pipelining,
    status: c.status,
    clientBound: c.status === 'ok' && c.clientBound,
    note: c.status === 'failed' ? `failed: ${c.reason}` : c.clientBound ? 'client-bound: a floor, not the server’s limit' : '',
    cell: c,
  };
  if (c.status === 'ok') {
    const s = c.summary;
    Object.assign(row, {
      rps: s.requestsPerSec,
      p50: s.latencyP50Ms.median,
      p99: s.latencyP99Ms.median,
      p99_9: s.latencyP99_9Ms.median,
      cpuUs: s.serverCpuUsPerRequest?.median,
      rssMb: s.serverPeakRssBytes === null ? undefined : s.serverPeakRssBytes.max / 1048576,
      errors: s.errors,
      jain: s.fairnessJain?.median,
      firstResponseMs:
        s.firstResponseP99Ms === null || s.firstResponseMaxMs === null ? undefined : { p99: s.firstResponseP99Ms.median, max: s.firstResponseMaxMs.median },
      bottleneck: c.bottleneck ?? undefined,
    });
    if (c.bottleneck === 'both') row.note = 'load generator and server both saturated';
    if (s.errors > 0 && row.note === '') row.note = `${s.errors} errors`;
  }
  return row;
}

/** A table per workload with every variant, in the order the run listed them. */
export function workloadTables(results: Results): WorkloadTable[] {
  return results.settings.workloads.map((workload) => ({
    workload,
    rows: rowsFor(
      results,
      workload,
      rowOf,
      (u) => ({ ...u, clientBound: false }),
      (r) => r.rps?.median,
    ),
  }));
}

/** A workload's rows at `at` by requests/s, highest first: the one ranking the findings and the verdict both read. */
export function throughputRanking(table: WorkloadTable, at: { connections: number; pipelining: number }): Row[] {
  return measured(table, at).sort((a, b) => (b.rps?.median ?? 0) - (a.rps?.median ?? 0));
}

/** The rows of one workload at the headline concurrency, measured without failure. */
export function measured(table: WorkloadTable, at: { connections: number; pipelining: number }): Row[] {
  return table.rows.filter((r) => r.status === 'ok' && r.rps !== undefined && r.connections === at.connections && r.pipelining === at.pipelining);
}

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

type Fairness = NonNullable<Repetition['fairness']>;

/** `64 connections`, with the pipelining depth when there is one. */
function cellAt(r: Row): string {
  return `${r.connections} connection${r.connections === 1 ? '' : 's'}${r.pipelining > 1 ? `, pipelining ${r.pipelining}` : ''}`;
}

/** The repetition at the median of Jain's index (the lower of the middle two), so its min, median and max belong together. */
function medianFairness(cell: CellResult): Fairness | undefined {
  const all = cell.repetitions.flatMap((r) => (r.fairness === null ? [] : [r.fairness])).sort((a, b) => a.jain - b.jain);
  return all[Math.floor((all.length - 1) / 2)];
}

function unfairness(workload: string, r: Row, model: ConcurrencyModel | null, info: Info, heavyMix: boolean): string | undefined {
  if (r.jain === undefined || r.cell === undefined) return undefined;
  const f = medianFairness(r.cell);
  const starved = f !== undefined && f.median > 0 && f.min < STARVED_SHARE * f.median;
  if (r.jain >= UNFAIR_JAIN && !starved) return undefined;
  const spread = f === undefined ? '' : `; in its median repetition a connection completed ${int(f.min)} to ${int(f.max)} requests, median ${int(f.median)}`;
  let cause: string;
  if (model === 'thread-pool' && info.queue === 'piscina')
    cause =
      "piscina's default queue (queue=piscina) puts a task it could not dispatch back at its tail, so some requests are passed over again and again; " +
      '--queue fifo, now the default, serves them in the order they came';
  else if (heavyMix && info.offloads !== undefined)
    cause =
      'a connection that drew a heavy request waits for it in the pool, first in, first out, while the others go on with quick ones on the event loop; ' +
      'in a closed loop the pool queue holds most connections most of the time (Little’s law: heavy answers per second × their latency), so a connection ' +
      'is served as often as its draws were light. The per-route figures say what each kind of request waited';
  else if (model === 'multi-process' && info.schedule === 'os')
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

function lateFirstResponses(workload: string, r: Row, model: ConcurrencyModel | null, info: Info): string | undefined {
  const first = r.firstResponseMs;
  if (first === undefined || r.p99 === undefined || first.max < LATE_FIRST_MS || first.max < r.p99 * LATE_FIRST_RATIO) return undefined;
  let cause: string;
  if (model === 'multi-process' && info.schedule === 'rr')
    cause =
      'With schedule=rr the primary accepts every connection and hands them to the workers one at a time, each only once the worker has taken the last, ' +
      'and a worker busy serving takes it late; --schedule os lets the workers accept connections themselves.';
  else if (model === 'thread-pool' && info.queue === 'piscina')
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

/**
 * Per workload at the headline concurrency: which variant served the most and by how much, what
 * the models' nature explains (blocking's collapse, a worker pool's cap or cross-thread cost), and
 * in every cell an uneven or slow start; with the cells whose figures are floors or whose
 * generator and server were both saturated, for the caveats.
 */
function cellsAnalysis(results: Results): SectionFindings {
  const out: string[] = [];
  const at = headline(results);
  const where = headlineText(results);
  const floors: string[] = [];
  const bothSaturated: string[] = [];
  const caveats: string[] = [];
  const swept = results.settings.connections.length > 1 || results.settings.pipelining.length > 1;

  for (const table of workloadTables(results)) {
    const rows = throughputRanking(table, at);
    const [best, second] = rows;
    if (best === undefined) {
      out.push(`${table.workload}: no variant was measured ${where}.`);
      continue;
    }
    const rps = (r: Row) => r.rps?.median ?? 0;
    const base = rows.find((r) => r.variant === baselineOf(results));
    let sentence: string;
    if (second !== undefined && rps(best) / rps(second) < TIE) {
      // Closer than run-to-run noise on a shared machine: no winner is named.
      sentence = `${table.workload}: ${best.variant} and ${second.variant} were within ${Math.round((TIE - 1) * 100)}% of each other ${where} (${int(rps(best))} and ${int(rps(second))} req/s)`;
    } else if (second === undefined) {
      // One server measured (a single --target, say): nothing to rank it against.
      sentence = `${table.workload}: ${best.variant} served ${int(rps(best))} req/s ${where}, p99 ${(best.p99 ?? 0).toFixed(1)} ms`;
    } else {
      sentence = `${table.workload}: ${best.variant} served the most ${where}, ${int(rps(best))} req/s`;
      if (second !== undefined) sentence += `, ${times(rps(best) / rps(second))} the runner-up ${second.variant} (${int(rps(second))})`;
    }
    if (base !== undefined && base !== best && base !== second)
      sentence += `; ${base.variant} ${int(rps(base))} (${best.variant} ${times(rps(best) / rps(base))} that)`;
    sentence += '.';
    if (best.clientBound)
      sentence += ` The load generator was saturated while measuring ${best.variant}, so its figure is a floor and the order at the top may differ.`;
    out.push(sentence);

    const blocking = rows.find((r) => modelOf(results, r.variant) === 'blocking');
    if (blocking !== undefined && blocking !== best && rps(best) / rps(blocking) >= 2) {
      out.push(
        `${table.workload}: ${blocking.variant} collapsed to ${int(rps(blocking))} req/s, ${times(rps(best) / rps(blocking))} fewer than ${best.variant}, ` +
          `with p99 latency ${(blocking.p99 ?? 0).toFixed(0)} ms against ${(best.p99 ?? 0).toFixed(1)} ms: connections queue behind the one being served.`,
      );
    }
    const pool = rows.find((r) => modelOf(results, r.variant) === 'thread-pool');
    const loop = rows.find((r) => modelOf(results, r.variant) === 'event-loop');
    const poolInfo = pool === undefined ? {} : infoOf(results, pool.variant);
    const wait = /[?&]ms=(\d+)/.exec(workloadPath(results, table.workload))?.[1];
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
        `${table.workload}: the worker pool's cross-thread cost shows: ${int(rps(pool))} req/s against ${loop.variant}'s ${int(rps(loop))} (${times(rps(pool) / rps(loop))}), ` +
          `and ${pool.cpuUs.toFixed(1)} µs of CPU per request against ${loop.cpuUs.toFixed(1)}.`,
      );
    }
    for (const r of rows) if (r.clientBound) floors.push(`${r.variant} on ${table.workload}`);

    // Every cell, not only the headline's: an uneven or slow start at any concurrency is worth knowing.
    for (const r of table.rows) {
      if (r.status !== 'ok') continue;
      const info = infoOf(results, r.variant);
      const mix = results.settings.mixes[table.workload]?.requests ?? [];
      const heavyMix = mix.some((q) => q.heavy) && mix.some((q) => !q.heavy);
      const model = modelOf(results, r.variant);
      for (const f of [unfairness(table.workload, r, model, info, heavyMix), lateFirstResponses(table.workload, r, model, info)])
        if (f !== undefined) out.push(f);
      const s = r.cell?.status === 'ok' ? r.cell.summary : undefined;
      if (r.bottleneck === 'both' && s !== undefined)
        bothSaturated.push(
          `${r.variant} on ${table.workload}${swept ? ` at ${cellAt(r)}` : ''} (generator ${pct(s.loadgenCpuShare.median)}, server ${s.serverCpuShare === null ? '?' : pct(s.serverCpuShare.median)})`,
        );
    }
  }

  if (floors.length > 0) {
    caveats.push(
      `Floors, not limits (the load generator used at least ${pct(SATURATED_SHARE)} of its core): ${floors.join(', ')}. A faster load generator (--loadgen wrk) may show more.`,
    );
  }
  if (bothSaturated.length > 0) {
    caveats.push(
      `Load generator and server both saturated (each used at least ${pct(SATURATED_SHARE)} of the CPU it could): ${bothSaturated.join(', ')}. ` +
        'The server was at its limit, so these are not floors, but the latencies may include time responses waited for the generator.',
    );
  }
  return { findings: out, caveats };
}

/** A server figure: '?' where the cell was measured but the server's process was not known, '—' where nothing was measured. */
const serverFigure = (r: Row, n: number | undefined, digits: number) => (n === undefined && r.status === 'ok' ? UNKNOWN : fixed(n, digits));

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

/** In a capacity run, what the workload tables hold, apart from the sweeps. */
const CLOSED_LOOP = 'Closed loop: each connection sends its next request once answered; its median is the maximum the sweep’s percentages are of.';

const PERCENTILES = [
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p99_9', 'p99.9'],
  ['p99_99', 'p99.99'],
] as const;

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
      const key = [rowLabel(v, c), c.workload, String(c.connections), String(c.pipelining)];
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

/** The cells' charts at the headline concurrency: throughput, latency percentiles, the server's CPU per request, and throughput against connections when the run swept them. */
async function cellsCharts(results: Results): Promise<Chart[]> {
  const at = headline(results);
  const tables = workloadTables(results);
  const variants = contenders(results);
  const color = colorOf(results);
  const out: Chart[] = [];
  // A run without workloads (the resilience profile's) has no cells to chart.
  if (results.settings.workloads.length === 0) return out;

  const rows = tables.flatMap((t) => measured(t, at).map((r) => ({ workload: t.workload, ...r })));
  const bars = rows.map((r) => ({
    workload: r.workload,
    variant: r.variant,
    rps: r.rps?.median ?? 0,
    min: r.rps?.min ?? 0,
    max: r.rps?.max ?? 0,
    cpu: r.cpuUs,
  }));

  out.push({
    file: 'throughput.svg',
    title: `Requests/s per variant, by workload (${at.connections} connections; median, whiskers min–max)`,
    svg: await render(perWorkload(bars, results.settings.workloads, barsWithWhiskers('rps', 'requests/s', variants, color))),
  });

  const spectrum = rows.flatMap((r) =>
    PERCENTILES.map(([key, label], i) => ({
      workload: r.workload,
      variant: r.variant,
      percentile: label,
      order: i,
      ms: Math.max(0.01, summarize(r.cell?.repetitions.map((x) => x.latencyMs[key]) ?? [0]).median),
    })),
  );
  out.push({
    file: 'latency.svg',
    title: `Latency percentiles p50 → p99.99 per variant, by workload (${at.connections} connections; log scale)`,
    svg: await render(
      perWorkload(spectrum, results.settings.workloads, {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'percentile', type: 'ordinal', sort: PERCENTILES.map(([, l]) => l), title: null },
          y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms)' },
          color,
        },
      }),
    ),
  });

  // A server whose process is not known (a target without its pid) has no bar, not a bar of 0.
  const cpuBars = bars.filter((b) => b.cpu !== undefined);
  if (cpuBars.length > 0)
    out.push({
      file: 'cpu.svg',
      title: `Server CPU µs per request per variant, by workload (${at.connections} connections)${cpuBars.length < bars.length ? '; a server whose process is not known has no bar' : ''}`,
      svg: await render(
        perWorkload(cpuBars, results.settings.workloads, {
          mark: 'bar',
          encoding: {
            x: { field: 'variant', type: 'nominal', axis: null, sort: variants },
            y: { field: 'cpu', type: 'quantitative', title: 'CPU µs / request' },
            color,
          },
        }),
      ),
    });

  if (results.settings.connections.length > 1) {
    const sweep = tables.flatMap((t) =>
      t.rows
        .filter((r) => r.status === 'ok' && r.rps !== undefined && r.pipelining === 1)
        .map((r) => ({ workload: t.workload, variant: r.variant, connections: r.connections, rps: r.rps?.median ?? 0 })),
    );
    out.push({
      file: 'connections.svg',
      title: 'Requests/s against connections per variant, by workload (pipelining 1; log x)',
      svg: await render(
        perWorkload(sweep, results.settings.workloads, {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'connections', type: 'quantitative', scale: { type: 'log' }, title: 'connections' },
            y: { field: 'rps', type: 'quantitative', title: 'requests/s' },
            color,
          },
        }),
      ),
    });
  }
  return out;
}

/** The cells: a table per workload, its findings and caveats, its charts, and the summary table. */
export const cellsSection: ReportSection = {
  id: 'cells',
  figureOrder: 1,
  header: () => [],
  findings: cellsAnalysis,
  tables: (r) => ({
    blocks: workloadTables(r).map((t) =>
      tableBlock(
        t.workload,
        r.settings.capacity === null ? undefined : CLOSED_LOOP,
        columnsFor(r, COLUMNS),
        t.rows,
        (row) => row.clientBound || row.status !== 'ok',
      ),
    ),
  }),
  charts: cellsCharts,
  // A resilience run has no cells: its own table says what it measured.
  terminal: (r) => (r.settings.resilience === undefined || r.settings.resilience === null ? summaryTable(r) : ''),
};
