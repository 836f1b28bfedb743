// What every section reads off results.json, besides its own rows: the baseline, a variant's
// model and what it reported, the headline concurrency, and the requests of a mix.

import type { ConcurrencyModel } from '../../servers/variants/types.js';
import { type WorkloadName, workloads } from '../plan/scenarios.js';
import {
  type CellResult,
  cellsOf,
  labelledVariant,
  type OkCell,
  type Results,
  type RouteSummary,
  rowLabel,
  type VariantResult,
  whyNot,
} from '../results/results.js';

/** How a row's variant fared in its cell, or why it has none. */
export type RowStatus = 'ok' | 'failed' | 'refused' | 'not-run';

/** Throughputs closer than this ratio are reported as a tie: run-to-run noise on a shared machine is of this order. */
export const TIE = 1.05;

/** A tie, as the findings say it. */
export const WITHIN_TIE = `within ${Math.round((TIE - 1) * 100)}%`;

export type Info = Record<string, string | number>;

export const pct = (x: number) => `${Math.round(x * 100)}%`;

/** The variant the others' throughput is given as a ratio of: the run's first of the baseline model (node-http among the shipped ones); undefined when it has none, as a run against targets. */
export function baselineOf(results: Pick<Results, 'variants'>): string | undefined {
  return results.variants.find((v) => v.model === 'baseline')?.name;
}

/** The concurrency model a variant of the run demonstrates, as results.json records it; null when not known (a --target server, a name no model was recorded for). */
export function modelOf(results: Pick<Results, 'variants'>, variant: string): ConcurrencyModel | null {
  return labelledVariant(results.variants, variant)?.model ?? null;
}

/** What a variant reported about itself on start (a `cluster ×4` row's, with its 4 workers); empty when it never started. */
export function infoOf(results: Results, variant: string): Info {
  const v = labelledVariant(results.variants, variant);
  const info = v !== undefined && 'info' in v ? v.info : {};
  const workers = v === undefined || v.name === variant ? undefined : Number(variant.slice(v.name.length + 2));
  return workers === undefined || typeof info.workers !== 'number' ? info : { ...info, workers };
}

/**
 * The path of a workload that sends one request, as the run recorded it (or as the built-in
 * workload has it); '' for a mix, whose figures no one request's path explains.
 */
export function workloadPath(results: Results, name: string): string {
  const requests: ReadonlyArray<{ path: string }> | undefined =
    results.settings.mixes[name]?.requests ?? (Object.hasOwn(workloads, name) ? workloads[name as WorkloadName].requests : undefined);
  return requests?.length === 1 ? (requests[0]?.path ?? '') : '';
}

/** What every table row says about a variant that has no cell for a workload. */
export type Unmeasured = { variant: string; connections: number; pipelining: number; status: RowStatus; note: string };

/**
 * For one workload, a row per cell of every variant in the order the run listed them (a variant
 * with none gets one saying why), and each row's ratio to node-http's in the same cell.
 */
export function rowsFor<R extends Unmeasured & { vsNodeHttp?: number }>(
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
    // A variant run at several worker counts has a row per count: `cluster ×4`, each a contender of its own.
    else for (const c of cells) rows.push(rowLabel(v, c) === v.name ? rowOf(v, c) : { ...rowOf(v, c), variant: rowLabel(v, c) });
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

/** The cell a workload is judged by: its highest connection count at pipelining 1. */
export function headline(results: Results): { connections: number; pipelining: number } {
  return { connections: Math.max(...results.settings.connections), pipelining: 1 };
}

/** Where the findings of the workload tables are judged: the headline cell, `at 64 connections`. */
export function headlineText(results: Results): string {
  const at = headline(results);
  return `at ${at.connections} connection${at.connections === 1 ? '' : 's'}${results.settings.capacity === null ? '' : ' in a closed loop'}`;
}

/** What the run recorded a workload sent (settings.mixes); undefined in files before version 5. */
export function recordedMix(results: Results, workload: string): Results['settings']['mixes'][string] | undefined {
  return Object.hasOwn(results.settings.mixes, workload) ? results.settings.mixes[workload] : undefined;
}

/** Every measured cell of a workload, of every variant. */
export function okCells(results: Results, workload: string): OkCell[] {
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
export function heavyRoute(results: Results, workload: string): string | undefined {
  return largest((recordedMix(results, workload)?.requests ?? []).filter((r) => r.heavy).map((r) => [r.label, r.share]));
}

/** The label with the largest figure, the first of equals. */
export function largest(entries: Array<[string, number]>): string | undefined {
  return entries.reduce<[string, number] | undefined>((best, e) => (best === undefined || e[1] > best[1] ? e : best), undefined)?.[0];
}

/**
 * A finding's anchor in the report, from its text (FNV-1a, 32 bits): the same sentence gets the
 * same id wherever it is linked from, and a report's findings differ in their text.
 */
export function findingId(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `finding-${h.toString(16).padStart(8, '0')}`;
}

/** The findings grouped by the workload each is about (`workload: ...`), in the run's order, then those about the run as a whole. */
export function findingsByWorkload(results: Pick<Results, 'settings'>, findings: readonly string[]): Array<{ workload: string | null; findings: string[] }> {
  const groups = results.settings.workloads.map((workload) => ({
    workload: workload as string | null,
    findings: findings.filter((f) => f.startsWith(`${workload}: `)),
  }));
  const rest = findings.filter((f) => !results.settings.workloads.some((w) => f.startsWith(`${w}: `)));
  return [...groups, { workload: null, findings: rest }].filter((g) => g.findings.length > 0);
}
