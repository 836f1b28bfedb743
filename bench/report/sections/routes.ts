// Per route: for the mixes, each request of the mix in each cell, what a share of heavy requests
// did to the quick request's tail on each variant, and the charts of that.

import { formatInt as int, formatTimes as times } from '../../lib/format.js';
import { heavyShareOf } from '../../plan/scenarios.js';
import { type CellResult, cellsOf, type Results, type RouteSummary, rowLabel, type VariantResult } from '../../results/results.js';
import {
  headline,
  headlineText,
  heavyRoute,
  isMix,
  modelOf,
  okCells,
  pct,
  quickRoute,
  type RowStatus,
  recordedMix,
  routeP99,
  routesOf,
  rowsFor,
  TIE,
  WITHIN_TIE,
} from '../facts.js';
import { findingsOnly, type ReportSection } from '../section.js';
import { type Column, esc, tableBlock } from '../table.js';
import { barsWithWhiskers, type Chart, colorOf, contenders, perWorkload, render } from '../vega.js';
import { ms } from './capacity.js';

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
  status: RowStatus;
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
      measuredAt.flatMap(({ workload, share }) =>
        // A variant run at several worker counts has a series per count.
        cellsOf(v)
          .filter((c) => c.workload === workload && c.connections === at.connections && c.pipelining === at.pipelining)
          .flatMap((cell) => {
            const p99 = cell.status === 'ok' ? routeP99(results, cell, family.quick) : undefined;
            return p99 === undefined ? [] : [{ variant: rowLabel(v, cell), share, workload, p99 }];
          }),
      ),
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

/** `raise GET /json's p99 from 2.0 ms to 60.0 ms (30×)`, or that it fell, or stayed within noise. */
function moved(quick: string, before: number, after: number): string {
  if (after >= before * TIE) return `raise ${quick}'s p99 from ${ms(before)} ms to ${ms(after)} ms (${times(after / before)})`;
  if (after * TIE <= before) return `lower ${quick}'s p99 from ${ms(before)} ms to ${ms(after)} ms`;
  return `leave ${quick}'s p99 ${WITHIN_TIE} of its ${ms(before)} ms without them (${ms(after)} ms)`;
}

/**
 * What a share of heavy requests did to the quick request's tail on each variant, against the
 * same variant without them (share 0): where it rose the most in absolute terms, and which variant
 * kept it lowest, by how much. Undefined when no variant has both figures.
 */
function heavyShareFinding(results: Results, series: HeavyShareSeries, workload: string, share: number, where: string): string | undefined {
  const at = (variant: string, w: string | undefined) => series.points.find((p) => p.variant === variant && p.workload === w)?.p99;
  const withHeavy = series.points.filter((p) => p.workload === workload);
  const rows = withHeavy.flatMap((p) => {
    const before = at(p.variant, series.zero);
    return before === undefined ? [] : [{ variant: p.variant, before, after: p.p99 }];
  });
  const byTail = [...rows].sort((a, b) => a.after - b.after);
  const [best, second] = byTail;
  // The sentence leads with one event loop, the model whose quick requests wait behind heavy
  // ones, when it was measured and is not the best; else with the worst.
  const worst = rows.find((r) => modelOf(results, r.variant) === 'event-loop' && r !== best) ?? byTail.at(-1);
  if (best === undefined || worst === undefined) return undefined;
  const quick = series.quick;
  let sentence = `${workload}: on ${worst.variant} ${where}, ${pct(share)} heavy requests ${moved(quick, worst.before, worst.after)}`;
  if (worst.after / best.after < TIE) {
    if (rows.length > 1) sentence += `; every variant kept it ${WITHIN_TIE} of the others (${ms(best.after)}–${ms(worst.after)} ms)`;
  } else if (second !== undefined && second !== worst && second.after / best.after < TIE)
    sentence +=
      `; ${best.variant} and ${second.variant} keep it lowest, at ${ms(best.after)} and ${ms(second.after)} ms (${WITHIN_TIE} of each other), ` +
      `${times(worst.after / best.after)} lower than ${worst.variant}'s`;
  else
    sentence += `; ${best.variant} keeps it at ${ms(best.after)} ms (${ms(best.before)} ms without them), ${times(worst.after / best.after)} lower than ${worst.variant}'s`;
  const alone = series.members.some((m) => m.workload === series.zero) ? '' : ', the request alone';
  sentence += `. ${quick}'s p99 without heavy requests (${series.zero}${alone}) → with ${pct(share)}: ${rows.map((r) => `${r.variant} ${ms(r.before)} → ${ms(r.after)} ms`).join(', ')}`;
  const unpaired = withHeavy.filter((p) => !rows.some((r) => r.variant === p.variant)).map((p) => p.variant);
  if (unpaired.length > 0) sentence += `; ${unpaired.join(', ')} had no figure without them and ${unpaired.length === 1 ? 'is' : 'are'} left out`;
  return `${sentence}.`;
}

/**
 * A mix on its own (no heavy shares to compare): which variant gave its quick request the lowest
 * p99 and by how much against the event loop (a variant of one event loop, where a quick request waits behind a
 * heavy one), and what the heavy requests had meanwhile.
 */
/**
 * A mix's cells at `at` by its quick request's p99, lowest first, with the heavy request's p99
 * beside it: the one ranking the findings and the verdict both read.
 */
export function quickRanking(
  t: RouteTable,
  at: { connections: number; pipelining: number },
): Array<{ variant: string; quick: number; heavy: number | undefined }> {
  const p99 = (routes: RouteFigures[], label: string | undefined) => routes.find((x) => x.label === label)?.summary?.latencyP99Ms.median;
  return t.rows
    .filter((r) => r.status === 'ok' && r.connections === at.connections && r.pipelining === at.pipelining)
    .flatMap((r) => {
      const quick = p99(r.routes, t.quick);
      return quick === undefined ? [] : [{ variant: r.variant, quick, heavy: p99(r.routes, t.heavy) }];
    })
    .sort((a, b) => a.quick - b.quick);
}

function mixFinding(results: Results, t: RouteTable, at: { connections: number; pipelining: number }, where: string): string | undefined {
  if (t.quick === undefined) return undefined;
  const rows = quickRanking(t, at);
  const [best, second] = rows;
  if (best === undefined) return undefined;
  const loop = rows.find((r) => modelOf(results, r.variant) === 'event-loop');
  let sentence: string;
  if (second !== undefined && second.quick / best.quick < TIE) {
    sentence = `${t.workload}: ${best.variant} and ${second.variant} gave ${t.quick} the lowest p99 ${where}, ${WITHIN_TIE} of each other (${ms(best.quick)} and ${ms(second.quick)} ms)`;
    if (loop !== undefined && loop !== best && loop !== second) sentence += `; ${loop.variant} ${ms(loop.quick)} ms (${times(loop.quick / best.quick)} that)`;
  } else {
    sentence = `${t.workload}: ${best.variant} gave ${t.quick} the lowest p99 ${where}, ${ms(best.quick)} ms`;
    if (loop !== undefined && loop !== best) sentence += `, ${times(loop.quick / best.quick)} lower than ${loop.variant}'s ${ms(loop.quick)} ms`;
    else if (second !== undefined) sentence += `; the runner-up ${second.variant} ${ms(second.quick)} ms`;
  }
  if (t.heavy !== undefined && best.heavy !== undefined) {
    sentence += `; the heavy ${t.heavy} had p99 ${ms(best.heavy)} ms on ${best.variant}`;
    if (loop !== undefined && loop !== best && loop.heavy !== undefined) {
      sentence += ` against ${ms(loop.heavy)} ms on ${loop.variant}`;
      if (modelOf(results, best.variant) === 'event-loop+pool' && best.heavy >= loop.heavy * TIE)
        sentence += `: ${best.variant} sends heavy requests to its pool, where they wait for a thread instead of holding up the event loop, so the wait moves from the quick requests to the heavy ones`;
    }
  }
  return `${sentence}.`;
}

/** The mixes whose cells have no per-route figures, and which variants' (every one's when all lack them). */
function routesUnknown(results: Results): string | undefined {
  const where: string[] = [];
  for (const workload of results.settings.workloads) {
    if (!isMix(results, workload)) continue;
    const cells = results.variants.flatMap((v) => cellsOf(v).flatMap((c) => (c.status === 'ok' && c.workload === workload ? [{ v: v.name, c }] : [])));
    const unknown = [...new Set(cells.filter(({ c }) => routesOf(results, c) === null).map(({ v }) => v))];
    if (unknown.length > 0) where.push(unknown.length === new Set(cells.map(({ v }) => v)).size ? workload : `${workload} (${unknown.join(', ')})`);
  }
  if (where.length === 0) return undefined;
  const g = results.environment.loadgen;
  return (
    `Per-route figures unknown for ${where.join(', ')}: the load generator ${g.name} ${g.version}, or this file's version, does not count a mix's requests apart, ` +
    'so only the whole mix’s figures are given there and nothing is said of its quick request.'
  );
}

/**
 * What the mixes say of their quick requests: for a mix at heavy shares, how each share raised
 * the quick request's tail on each variant and which kept it lowest; for a mix on its own, which
 * variant gave it the lowest tail; and where per-route figures are unknown.
 */
export function routeFindings(results: Results): string[] {
  const at = headline(results);
  const where = headlineText(results);
  const out: string[] = [];
  const said = new Set<string>();
  for (const series of heavyShareSeries(results, at)) {
    for (const m of series.members) {
      const f = m.share > 0 ? heavyShareFinding(results, series, m.workload, m.share, where) : undefined;
      if (f === undefined) continue;
      out.push(f);
      said.add(m.workload);
    }
  }
  for (const t of routeTables(results)) {
    const f = said.has(t.workload) ? undefined : mixFinding(results, t, at, where);
    if (f !== undefined) out.push(f);
  }
  const unknown = routesUnknown(results);
  return unknown === undefined ? out : [...out, unknown];
}

/** A line of a per-route table: one request of a mix in a cell, or the cell alone where it has none (its note says why). */
interface RouteLine {
  row: RouteRow;
  route?: RouteFigures;
}

/** A share of the draws: 95%, 0.5%. */
const shareText = (x: number) => `${Math.round(x * 1000) / 10}%`;

/** What a line's request is to its mix: `quick` (the one the findings follow), `heavy`, or neither. */
const kindOf = (l: RouteLine) => (l.route?.quick ? 'quick' : l.route?.heavy ? 'heavy' : '');

/** A line's note: why its cell has no requests, or that a request of the mix was never answered. */
const routeNote = (l: RouteLine) => (l.route === undefined ? l.row.note : l.route.summary === undefined ? 'not answered in any repetition' : '');

/** A figure of a route's summary, `—` where the line has none. */
const routeFigure = (l: RouteLine, f: (s: NonNullable<RouteFigures['summary']>) => number, digits: number) =>
  l.route?.summary === undefined ? '—' : f(l.route.summary).toFixed(digits);

/** The columns of every per-route table. */
const ROUTE_COLUMNS: Array<Column<RouteLine>> = [
  { head: 'variant', text: (l) => l.row.variant, value: (l) => l.row.variant },
  { head: 'conn', text: (l) => (l.row.connections > 0 ? String(l.row.connections) : '—'), value: (l) => l.row.connections },
  { head: 'request', text: (l) => l.route?.label ?? '—', value: (l) => l.route?.label ?? '' },
  { head: 'kind', text: kindOf, value: kindOf },
  { head: 'share', text: (l) => (l.route?.share === undefined ? '—' : shareText(l.route.share)), value: (l) => l.route?.share ?? -1 },
  {
    head: 'requests',
    text: (l) => (l.route === undefined ? '—' : int(l.route.summary?.requests ?? 0)),
    value: (l) => l.route?.summary?.requests ?? (l.route === undefined ? -1 : 0),
  },
  { head: 'non-2xx', text: (l) => (l.route === undefined ? '—' : String(l.route.summary?.non2xx ?? 0)), value: (l) => l.route?.summary?.non2xx ?? -1 },
  { head: 'p50 ms', text: (l) => routeFigure(l, (s) => s.latencyP50Ms.median, 1), value: (l) => l.route?.summary?.latencyP50Ms.median ?? -1 },
  { head: 'p99 ms', text: (l) => routeFigure(l, (s) => s.latencyP99Ms.median, 1), value: (l) => l.route?.summary?.latencyP99Ms.median ?? -1 },
  { head: 'p99.9 ms', text: (l) => routeFigure(l, (s) => s.latencyP99_9Ms.median, 1), value: (l) => l.route?.summary?.latencyP99_9Ms.median ?? -1 },
  { head: 'note', text: routeNote, value: routeNote },
];

/** A per-route table's lines: each request of each cell, and a line for a cell with none. */
function routeLines(t: RouteTable): RouteLine[] {
  return t.rows.flatMap((row) => (row.routes.length === 0 ? [{ row }] : row.routes.map((route) => ({ row, route }))));
}

/** How to read a per-route table. */
const ROUTES_INTRO =
  'Each request of a mix, as the load generator counted it apart: its share of the draws, its answers in the window (summed over the repetitions) ' +
  'and those not 2xx, and the median over the repetitions of its p50, p99 and p99.9. **quick** marks the request the findings and charts follow: ' +
  'of those not marked heavy, the one with the largest share; **heavy**, the CPU-heavy ones, whose share a mix@N% workload sets.';

const routeHeading = (t: RouteTable) => `${t.workload}: per route`;

/** `GET /json in mixed, GET /io?ms=10 in mixed-io`: each mix's quick request, once per mix whatever its shares. */
function quickText(quickByMix: ReadonlyArray<{ workload: string; quick: string }>): string {
  const byBase = new Map<string, string>();
  for (const { workload, quick } of quickByMix) byBase.set(heavyShareOf(workload).base, quick);
  return [...byBase].map(([base, quick]) => `${quick} in ${base}`).join(', ');
}

/**
 * For the mixes, at the headline concurrency: the quick request's p99 per variant in each mix
 * (bars, like the other per-workload charts); and, for a mix measured at several heavy shares,
 * the quick request's p99 against the share, a line per variant. Where it waits behind heavy
 * requests its p99 grows by orders of magnitude, hence the log axis.
 */
async function routeCharts(results: Results, color: object, variants: string[]): Promise<Chart[]> {
  const at = headline(results);
  const out: Chart[] = [];
  const tables = routeTables(results);
  const bars = tables.flatMap((t) =>
    t.rows
      .filter((r) => r.status === 'ok' && r.connections === at.connections && r.pipelining === at.pipelining)
      .flatMap((r) => {
        const p99 = r.routes.find((x) => x.quick)?.summary?.latencyP99Ms;
        return p99 === undefined ? [] : [{ workload: t.workload, variant: r.variant, ms: p99.median, min: p99.min, max: p99.max }];
      }),
  );
  if (bars.length > 0)
    out.push({
      file: 'routes.svg',
      title: `p99 of each mix's quick request per variant, by mix (${at.connections} connections; median, whiskers min–max; ${quickText(
        tables.flatMap((t) => (t.quick === undefined ? [] : [{ workload: t.workload, quick: t.quick }])),
      )})`,
      svg: await render(
        perWorkload(
          bars,
          tables.map((t) => t.workload),
          barsWithWhiskers('ms', 'quick request p99 (ms)', variants, color),
        ),
      ),
    });

  // Several shares of one mix, so that a line has somewhere to go.
  const series = heavyShareSeries(results, at).filter((s) => new Set(s.points.map((p) => p.share)).size > 1);
  const lines = series.flatMap((s) => s.points.map((p) => ({ workload: s.base, variant: p.variant, share: p.share * 100, ms: Math.max(0.01, p.p99) })));
  if (lines.length > 0) {
    const zero = series.filter((s) => s.zero !== undefined && !s.members.some((m) => m.workload === s.zero)).map((s) => `${s.zero} for ${s.base}`);
    out.push({
      file: 'heavy-share.svg',
      title:
        `p99 of each mix's quick request against the share of heavy requests, per variant (${at.connections} connections; log y; ` +
        `${quickText(series.map((s) => ({ workload: s.base, quick: s.quick })))}${zero.length === 0 ? '' : `; at 0%, the request alone: ${zero.join(', ')}`})`,
      svg: await render(
        perWorkload(
          lines,
          series.map((s) => s.base),
          {
            mark: { type: 'line', point: true },
            encoding: {
              // symlog: the shares swept (0, 1, 5, 20%) bunch up near 0 on a linear axis, and a log axis has no 0.
              x: { field: 'share', type: 'quantitative', scale: { type: 'symlog' }, title: 'heavy requests (% of the draws)' },
              y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'quick request p99 (ms)' },
              order: { field: 'share', type: 'quantitative' },
              color,
            },
          },
          true,
        ),
      ),
    });
  }
  return out;
}

/** Per route: a table per mix, what heavy requests did to the quick one, and the charts of that. */
export const routesSection: ReportSection = {
  id: 'routes',
  figureOrder: 2,
  header: () => [],
  findings: (r) => findingsOnly(routeFindings(r)),
  tables: (r) => {
    const routes = routeTables(r);
    if (routes.length === 0) return { blocks: [] };
    return {
      title: 'Per route',
      intro: ROUTES_INTRO,
      blocks: routes.map((t) =>
        tableBlock(routeHeading(t), undefined, ROUTE_COLUMNS, routeLines(t), (l) => l.route === undefined, ` data-workload="${esc(t.workload)}"`),
      ),
    };
  },
  charts: (r) => routeCharts(r, colorOf(r), contenders(r)),
  terminal: () => '',
};
