// The numbers every report shows, derived from results.json and nothing else.

import type { ConcurrencyModel } from '../../servers/variants/types.js';
import { capacityRange as rangeOf } from '../analysis/capacity.js';
import { GENERATOR_BOUND_NOTE } from '../analysis/saturation.js';
import { DEFAULT_SLO_P99_MS, heavyShareOf } from '../plan/scenarios.js';
import {
  type Bottleneck,
  type CellResult,
  cellsOf,
  type IdleFloodResult,
  type KilledWorkerResult,
  type OkCell,
  type PipelineFloodResult,
  type RatePoint,
  type Resilience,
  type Results,
  type RouteSummary,
  type Sweep,
  type VariantResult,
  whyNot,
} from '../results/results.js';

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

/** The variant the others' throughput is given as a ratio of: the run's first of the baseline model (node-http among the shipped ones); undefined when it has none, as a run against targets. */
export function baselineOf(results: Pick<Results, 'variants'>): string | undefined {
  return results.variants.find((v) => v.model === 'baseline')?.name;
}

/** The concurrency model a variant of the run demonstrates, as results.json records it; null when not known (a --target server, a name no model was recorded for). */
export function modelOf(results: Pick<Results, 'variants'>, variant: string): ConcurrencyModel | null {
  return results.variants.find((v) => v.name === variant)?.model ?? null;
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
  const baseline = baselineOf(results);
  for (const r of rows) {
    const base = rows.find((b) => b.variant === baseline && b.connections === r.connections && b.pipelining === r.pipelining);
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
  /** Why the load generator, not the server, explained the first miss (the capacity is then a floor), or null. */
  generatorBoundAtMiss: Sweep['generatorBoundAtMiss'];
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
    generatorBoundAtMiss: null,
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
    generatorBoundAtMiss: s.generatorBoundAtMiss,
    pastSaturation: s.pastSaturation,
  });
  // A failed cell's sweep stopped early: what it measured is shown, but not as a capacity.
  if (c.status !== 'ok') return row;
  row.capacityRps = c.capacityRps;
  const cap = c.capacityRps;
  // Comfortably below the capacity, and near it.
  if (cap !== null) Object.assign(row, { at50: latencyAt(s.points, 0.5 * cap), at90: latencyAt(s.points, 0.9 * cap) });
  row.note = [
    ...(s.generatorBoundAtMiss === null
      ? []
      : [`${GENERATOR_BOUND_NOTE[s.generatorBoundAtMiss]} at the first miss: a floor, the generator could not offer more here`]),
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
      (u) => ({ ...u, recoveredAfterMiss: false, generatorBoundAtMiss: null }),
      (r) => r.capacityRps,
    ),
  }));
}

/** What a sweep can tell of a row's capacity (capacity.ts's capacityRange); undefined for a row with no sweep. */
export function capacityRange(row: CapacityRow): { lo: number; hi: number } | undefined {
  return row.sweep === undefined || row.capacityRps === undefined ? undefined : rangeOf(row.capacityRps, row.sweep);
}

/** What the run recorded a workload sent (settings.mixes); undefined in files before version 5. */
function recordedMix(results: Results, workload: string): Results['settings']['mixes'][string] | undefined {
  return Object.hasOwn(results.settings.mixes, workload) ? results.settings.mixes[workload] : undefined;
}

/** Every measured cell of a workload, of every variant. */
function okCells(results: Results, workload: string): OkCell[] {
  return results.variants.flatMap(cellsOf).filter((c): c is OkCell => c.status === 'ok' && c.workload === workload);
}

/**
 * Each request of a cell's workload: as the load generator counted them apart, or, for a workload
 * the run recorded as one request, the cell's own figures, which are that request's. Null when
 * neither is known: autocannon and wrk do not tell a mix's requests apart.
 */
export function routesOf(results: Results, cell: OkCell): RouteSummary[] | null {
  if (cell.summary.routes !== null) return cell.summary.routes;
  const recorded = recordedMix(results, cell.workload)?.requests;
  const only = recorded?.length === 1 ? recorded[0] : undefined;
  if (only === undefined) return null;
  const s = cell.summary;
  const total = (f: (r: OkCell['repetitions'][number]) => number) => cell.repetitions.reduce((n, r) => n + f(r), 0);
  return [
    {
      label: only.label,
      requests: total((r) => r.requests),
      non2xx: total((r) => r.non2xx),
      latencyP50Ms: s.latencyP50Ms,
      latencyP99Ms: s.latencyP99Ms,
      latencyP99_9Ms: s.latencyP99_9Ms,
    },
  ];
}

/** A request's p99 in a cell (median over repetitions); undefined when the cell has no figure for it. */
export function routeP99(results: Results, cell: OkCell, label: string): number | undefined {
  return routesOf(results, cell)?.find((r) => r.label === label)?.latencyP99Ms.median;
}

/** Whether a workload mixes requests: the run recorded more than one, or some cell counted more than one apart. */
export function isMix(results: Results, workload: string): boolean {
  return (recordedMix(results, workload)?.requests.length ?? 0) > 1 || okCells(results, workload).some((c) => (c.summary.routes?.length ?? 0) > 1);
}

/**
 * A mix's quick request, the one whose wait behind the others the report follows: of the requests
 * not marked heavy, the one with the largest share of the draws; in a file that does not record
 * the mix (before version 5), the one answered most often. Undefined when every request is heavy.
 */
export function quickRoute(results: Results, workload: string): string | undefined {
  const recorded = recordedMix(results, workload);
  if (recorded !== undefined) return largest(recorded.requests.filter((r) => !r.heavy).map((r) => [r.label, r.share]));
  const answered = new Map<string, number>();
  for (const c of okCells(results, workload)) for (const r of c.summary.routes ?? []) answered.set(r.label, (answered.get(r.label) ?? 0) + r.requests);
  return largest([...answered]);
}

/** The heavy request with the largest share, as the run recorded the mix; undefined when it records none. */
function heavyRoute(results: Results, workload: string): string | undefined {
  return largest((recordedMix(results, workload)?.requests ?? []).filter((r) => r.heavy).map((r) => [r.label, r.share]));
}

/** The label with the largest figure, the first of equals. */
function largest(entries: Array<[string, number]>): string | undefined {
  return entries.reduce<[string, number] | undefined>((best, e) => (best === undefined || e[1] > best[1] ? e : best), undefined)?.[0];
}

/** One request of a mix in one cell. */
export interface RouteFigures {
  label: string;
  /** Its share of the draws, as the run recorded the mix; unset in files that do not record it. */
  share?: number;
  /** Marked CPU-heavy by the run; unset in files that do not record it. */
  heavy?: boolean;
  /** The mix's quick request (quickRoute). */
  quick: boolean;
  /** Unset for a request the run recorded but no repetition answered: it has no latency to give. */
  summary?: RouteSummary;
}

/** A mix's cell: a variant at one connections × pipelining, and each request of the mix in it. */
export interface RouteRow {
  variant: string;
  connections: number;
  pipelining: number;
  status: Row['status'];
  /** In the mix's order; empty where nothing was measured or the requests were not counted apart (the note says which). */
  routes: RouteFigures[];
  note: string;
}

export interface RouteTable {
  workload: string;
  /** The request the findings and charts follow (quickRoute), and the heavy one with the largest share; undefined when there is none. */
  quick: string | undefined;
  heavy: string | undefined;
  rows: RouteRow[];
}

/** What a cell of a mix without per-route figures says: the generator, or the file, did not count the requests apart. */
export function routesUnknownNote(results: Results): string {
  const g = results.environment.loadgen;
  return `per-route figures unknown: the load generator ${g.name} ${g.version}, or this file’s version, does not count a mix’s requests apart`;
}

/** A cell's requests: every one the run recorded, in its order (one no repetition answered without figures), then any it did not record. */
function routeRowOf(results: Results, quick: string | undefined) {
  return (v: VariantResult, c: CellResult): RouteRow => {
    const row: RouteRow = { variant: v.name, connections: c.connections, pipelining: c.pipelining, status: c.status, routes: [], note: '' };
    if (c.status === 'failed') return { ...row, note: `failed: ${c.reason}` };
    const counted = routesOf(results, c);
    if (counted === null) return { ...row, note: routesUnknownNote(results) };
    const recorded = recordedMix(results, c.workload)?.requests ?? [];
    const labels = [...new Set([...recorded.map((r) => r.label), ...counted.map((r) => r.label)])];
    const routes = labels.map((label): RouteFigures => {
      const r = recorded.find((x) => x.label === label);
      const summary = counted.find((x) => x.label === label);
      return { label, ...(r === undefined ? {} : { share: r.share, heavy: r.heavy }), quick: label === quick, ...(summary === undefined ? {} : { summary }) };
    });
    return { ...row, routes };
  };
}

/**
 * A table per mix (a workload some cell of which counted more than one request apart), in the
 * order the run listed them: every variant's cells, each request of the mix in each.
 */
export function routeTables(results: Results): RouteTable[] {
  return results.settings.workloads
    .filter((workload) => okCells(results, workload).some((c) => (c.summary.routes?.length ?? 0) > 1))
    .map((workload) => {
      const quick = quickRoute(results, workload);
      return {
        workload,
        quick,
        heavy: heavyRoute(results, workload),
        rows: rowsFor(
          results,
          workload,
          routeRowOf(results, quick),
          (u) => ({ ...u, routes: [] }),
          () => undefined,
        ),
      };
    });
}

/** A mix the run measured at heavy shares (`mixed@0%`, `mixed@5%`, ...). */
export interface HeavyShareFamily {
  /** The mix, `mixed`. */
  base: string;
  /** Its workloads in the run, by share rising (0 to 1). */
  members: Array<{ workload: string; share: number }>;
  /** The quick request of the mix at its shares. */
  quick: string;
}

/**
 * The mixes the run measured at heavy shares, in the order it listed them; their quick request is
 * that of a share between 0 and 100% (at 0% the heavy requests are left out, at 100% the others).
 */
export function heavyShareFamilies(results: Results): HeavyShareFamily[] {
  const members = new Map<string, Array<{ workload: string; share: number }>>();
  for (const workload of results.settings.workloads) {
    const { base, share } = heavyShareOf(workload);
    if (share !== null) members.set(base, [...(members.get(base) ?? []), { workload, share }]);
  }
  return [...members].flatMap(([base, list]) => {
    const sorted = list.sort((a, b) => a.share - b.share);
    const quick = [...sorted.filter((m) => m.share > 0 && m.share < 1), ...sorted].map((m) => quickRoute(results, m.workload)).find((q) => q !== undefined);
    return quick === undefined ? [] : [{ base, members: sorted, quick }];
  });
}

/** The quick request's p99 in one variant's cell at one heavy share. */
export interface SharePoint {
  variant: string;
  /** 0 to 1. */
  share: number;
  /** The workload measured: the mix at that share, or at 0 the one that sends the quick request alone. */
  workload: string;
  p99: number;
}

/** A mix at its heavy shares, at one connections × pipelining: its quick request's p99 per variant and share. */
export interface HeavyShareSeries extends HeavyShareFamily {
  /** What measured share 0: `mixed@0%`, else a workload of the run that sends the quick request alone (json for GET /json); undefined when neither is in the run. */
  zero: string | undefined;
  /** Per variant in the run's order, by share rising. */
  points: SharePoint[];
}

/** A workload of the run that sends `label` alone: recorded so, or, where not recorded, counted so by every cell that counted requests apart. */
function aloneWith(results: Results, label: string): string | undefined {
  return results.settings.workloads.find((w) => {
    const recorded = recordedMix(results, w);
    if (recorded !== undefined) return recorded.requests.length === 1 && recorded.requests[0]?.label === label;
    const counted = okCells(results, w).flatMap((c) => (c.summary.routes === null ? [] : [c.summary.routes]));
    return counted.length > 0 && counted.every((rs) => rs.length === 1 && rs[0]?.label === label);
  });
}

/** Every heavy-share mix's quick request at each share, at `at`; share 0 from `mix@0%`, or the request alone when the run has no `mix@0%`. */
export function heavyShareSeries(results: Results, at: { connections: number; pipelining: number }): HeavyShareSeries[] {
  return heavyShareFamilies(results).map((family) => {
    const zero = family.members.find((m) => m.share === 0)?.workload ?? aloneWith(results, family.quick);
    const measuredAt = [...(zero === undefined || family.members.some((m) => m.workload === zero) ? [] : [{ workload: zero, share: 0 }]), ...family.members];
    const points = results.variants.flatMap((v) =>
      measuredAt.flatMap(({ workload, share }) => {
        const cell = cellsOf(v).find((c) => c.workload === workload && c.connections === at.connections && c.pipelining === at.pipelining);
        const p99 = cell?.status === 'ok' ? routeP99(results, cell, family.quick) : undefined;
        return p99 === undefined ? [] : [{ variant: v.name, share, workload, p99 }];
      }),
    );
    return { ...family, zero, points };
  });
}

/** The quick request of every workload that has one, in the run's order: each mix's, and each workload of a heavy-share mix (`mixed@0%` too). */
export function quickRoutes(results: Results): Map<string, string> {
  const ofFamily = new Map(heavyShareFamilies(results).flatMap((f) => f.members.map((m): [string, string] => [m.workload, f.quick])));
  const out = new Map<string, string>();
  for (const w of results.settings.workloads) {
    const quick = ofFamily.get(w) ?? (isMix(results, w) ? quickRoute(results, w) : undefined);
    if (quick !== undefined) out.set(w, quick);
  }
  return out;
}

/** A variant of a resilience run: its scenarios, or why it has none. */
export interface ResilienceRow {
  variant: string;
  /** Null when the variant was not measured (refused, did not start, not run); `note` says why. */
  resilience: Resilience | null;
  note: string;
}

/** Whether the run put its variants through the resilience scenarios. */
export function isResilienceRun(results: Results): boolean {
  return (
    (results.settings.resilience !== undefined && results.settings.resilience !== null) ||
    results.variants.some((v) => (v.status === 'ok' || v.status === 'failed') && v.resilience !== undefined && v.resilience !== null)
  );
}

/** Every variant of a resilience run, in the order the run listed them; none for any other run. */
export function resilienceRows(results: Results): ResilienceRow[] {
  if (!isResilienceRun(results)) return [];
  return results.variants.map((v) => {
    const resilience = (v.status === 'ok' || v.status === 'failed' ? v.resilience : null) ?? null;
    const note = v.status === 'ok' ? '' : whyNot(v);
    return { variant: v.name, resilience, note: resilience === null && note === '' ? 'not measured' : note };
  });
}

type Measured<T> = Extract<T, { status: 'measured' }>;

/** A row's figures of each scenario, when it was measured. */
export function idleOf(row: ResilienceRow): Measured<IdleFloodResult> | undefined {
  const r = row.resilience?.idleFlood;
  return r?.status === 'measured' ? r : undefined;
}
export function floodOf(row: ResilienceRow): Measured<PipelineFloodResult> | undefined {
  const r = row.resilience?.pipelineFlood;
  return r?.status === 'measured' ? r : undefined;
}
export function killOf(row: ResilienceRow): Measured<KilledWorkerResult> | undefined {
  const r = row.resilience?.killedWorker;
  return r?.status === 'measured' ? r : undefined;
}
