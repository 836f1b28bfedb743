// The numbers every report shows, derived from results.json and nothing else.

import { capacityRange as rangeOf } from '../capacity.js';
import { type Bottleneck, type CellResult, cellsOf, type RatePoint, type Results, type Sweep, type VariantResult, whyNot } from '../results.js';
import { DEFAULT_SLO_P99_MS } from '../scenarios.js';

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
  /** requests/s over node-http's in the same cell. */
  vsNodeHttp?: number;
  note: string;
  cell?: CellResult;
}

export interface WorkloadTable {
  workload: string;
  rows: Row[];
}

export const BASELINE = 'node-http';

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

/** What every table row says about a variant that has no cell for a workload. */
type Unmeasured = Pick<Row, 'variant' | 'connections' | 'pipelining' | 'status' | 'note'>;

/**
 * For one workload, a row per cell of every variant in the order the run listed them (a variant
 * with none gets one saying why), and each row's ratio to node-http's in the same cell.
 */
function rowsFor<R extends Unmeasured & { vsNodeHttp?: number }>(
  results: Results,
  workload: string,
  rowOf: (v: VariantResult, c: CellResult) => R,
  unmeasured: (u: Unmeasured) => R,
  figure: (r: R) => number | null | undefined,
): R[] {
  const rows: R[] = [];
  for (const v of results.variants) {
    const cells = cellsOf(v).filter((c) => c.workload === workload);
    if (cells.length === 0)
      rows.push(
        unmeasured({
          variant: v.name,
          connections: 0,
          pipelining: 0,
          status: v.status === 'ok' ? 'failed' : v.status,
          note: v.status === 'ok' ? 'not measured' : whyNot(v),
        }),
      );
    else for (const c of cells) rows.push(rowOf(v, c));
  }
  for (const r of rows) {
    const base = rows.find((b) => b.variant === BASELINE && b.connections === r.connections && b.pipelining === r.pipelining);
    const mine = figure(r);
    const theirs = base === undefined ? undefined : figure(base);
    if (typeof mine === 'number' && typeof theirs === 'number' && theirs > 0) r.vsNodeHttp = mine / theirs;
  }
  return rows;
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

/** The cell a workload is judged by: its highest connection count at pipelining 1. */
export function headline(results: Results): { connections: number; pipelining: number } {
  return { connections: Math.max(...results.settings.connections), pipelining: 1 };
}

/** The rows of one workload at the headline concurrency, measured without failure. */
export function measured(table: WorkloadTable, at: { connections: number; pipelining: number }): Row[] {
  return table.rows.filter((r) => r.status === 'ok' && r.rps !== undefined && r.connections === at.connections && r.pipelining === at.pipelining);
}

/** Latency at a rate below a capacity, read off the sweep (see latencyAt). */
export interface LatencyAt {
  /** The rate asked about: a share of the variant's own capacity. */
  offeredRps: number;
  p50Ms: number;
  p99Ms: number;
}

/** One row of a workload's capacity table: a variant's sweep at one connections × pipelining. */
export interface CapacityRow {
  variant: string;
  connections: number;
  pipelining: number;
  status: Row['status'];
  /** The highest offered rate kept up with; null when none was; unset when the sweep did not finish. */
  capacityRps?: number | null;
  /** The capacity from each repetition index alone (null: none kept up). */
  capacityByRepetition?: (number | null)[];
  /** capacity over node-http's in the same cell. */
  vsNodeHttp?: number;
  /** The closed-loop maximum the sweep's percentages are shares of. */
  maxRps?: number;
  /** At 50% and 90% of its own capacity; unset when there is none or the sweep starts above that rate. */
  at50?: LatencyAt;
  at90?: LatencyAt;
  firstMiss?: Sweep['firstMiss'];
  recoveredAfterMiss: boolean;
  /** The load generator used up its CPU at the first miss: the capacity is a floor. */
  generatorSaturatedAtMiss: boolean;
  pastSaturation?: Sweep['pastSaturation'];
  note: string;
  sweep?: Sweep;
}

export interface CapacityTable {
  workload: string;
  /** The objective the sweeps were judged at: p99 at most this. */
  sloP99Ms: number;
  rows: CapacityRow[];
}

/**
 * p50 and p99 at `rate`, interpolated linearly in offered rate between the two measured points
 * whose offered rates bracket it (or the point itself). Undefined below the sweep's lowest rate:
 * extrapolating a latency curve is a guess. Below a capacity every point kept up, so what is read
 * here is the latency a server has when it is not yet behind.
 */
export function latencyAt(points: readonly RatePoint[], rate: number): LatencyAt | undefined {
  const sorted = [...points].sort((a, b) => a.offeredRps - b.offeredRps);
  const lo = sorted.findLast((p) => p.offeredRps <= rate);
  const hi = sorted.find((p) => p.offeredRps >= rate);
  if (lo === undefined || hi === undefined) return undefined;
  const f = hi.offeredRps === lo.offeredRps ? 0 : (rate - lo.offeredRps) / (hi.offeredRps - lo.offeredRps);
  const mix = (get: (p: RatePoint) => number) => get(lo) + f * (get(hi) - get(lo));
  return { offeredRps: rate, p50Ms: mix((p) => p.summary.latencyP50Ms.median), p99Ms: mix((p) => p.summary.latencyP99Ms.median) };
}

function capacityRowOf(v: VariantResult, c: CellResult): CapacityRow {
  const row: CapacityRow = {
    variant: v.name,
    connections: c.connections,
    pipelining: c.pipelining,
    status: c.status,
    recoveredAfterMiss: false,
    generatorSaturatedAtMiss: false,
    note: c.status === 'failed' ? `failed: ${c.reason}` : c.sweep === null ? 'no sweep' : '',
  };
  const s = c.sweep;
  if (s === null) return row;
  Object.assign(row, {
    sweep: s,
    capacityByRepetition: s.capacityByRepetition,
    maxRps: s.maxRps,
    firstMiss: s.firstMiss,
    recoveredAfterMiss: s.recoveredAfterMiss,
    generatorSaturatedAtMiss: s.generatorSaturatedAtMiss,
    pastSaturation: s.pastSaturation,
  });
  // A failed cell's sweep stopped early: what it measured is shown, but not as a capacity.
  if (c.status !== 'ok') return row;
  row.capacityRps = c.capacityRps;
  const cap = c.capacityRps;
  // Comfortably below the capacity, and near it.
  if (cap !== null) Object.assign(row, { at50: latencyAt(s.points, 0.5 * cap), at90: latencyAt(s.points, 0.9 * cap) });
  row.note = [
    ...(s.generatorSaturatedAtMiss ? ['the load generator used up its CPU at the first miss: a floor'] : []),
    ...(s.recoveredAfterMiss ? ['kept up again above its first miss: noisy, or rates too coarse'] : []),
  ].join('; ');
  return row;
}

/** The objective of a workload: as its sweeps were judged, else as the run asked. */
function objectiveOf(results: Results, workload: string): number {
  const swept = results.variants.flatMap(cellsOf).find((c) => c.workload === workload && c.sweep !== null)?.sweep;
  return swept?.sloP99Ms ?? results.settings.capacity?.sloP99Ms[workload] ?? DEFAULT_SLO_P99_MS;
}

/** A capacity table per workload with every variant, in the order the run listed them; none unless the run swept rates. */
export function capacityTables(results: Results): CapacityTable[] {
  if (results.settings.capacity === null) return [];
  return results.settings.workloads.map((workload) => ({
    workload,
    sloP99Ms: objectiveOf(results, workload),
    rows: rowsFor(
      results,
      workload,
      capacityRowOf,
      (u) => ({ ...u, recoveredAfterMiss: false, generatorSaturatedAtMiss: false }),
      (r) => r.capacityRps,
    ),
  }));
}

/** What a sweep can tell of a row's capacity (capacity.ts's capacityRange); undefined for a row with no sweep. */
export function capacityRange(row: CapacityRow): { lo: number; hi: number } | undefined {
  return row.sweep === undefined || row.capacityRps === undefined ? undefined : rangeOf(row.capacityRps, row.sweep);
}

/** Whether the run has a node-http baseline to give ratios against (a run against targets has none). */
export function hasBaseline(results: Results): boolean {
  return results.variants.some((v) => v.name === BASELINE);
}
