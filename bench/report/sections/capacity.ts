// Capacity at the latency objective: for a run that swept offered rates, each variant's capacity
// per workload, the findings on who kept up with the most and where the generator, not the
// server, decided, the two capacity charts, and the capacity table `cbench bench` prints.

import { COLLAPSE_SHARE, KEEP_UP_TOLERANCE, missesOf, observedOf, rangesOverlap as overlap, capacityRange as rangeOf } from '../../analysis/capacity.js';
import { GENERATOR_BOUND_NOTE, repetitionBound, SATURATED_SHARE } from '../../analysis/saturation.js';
import { formatInt, formatTable, formatInt as int, formatTimes as times } from '../../lib/format.js';
import { summarize } from '../../lib/stats.js';
import { DEFAULT_SLO_P99_MS } from '../../plan/scenarios.js';
import { type CellResult, cellsOf, type RatePoint, type Repetition, type Results, rowLabel, type Sweep, type VariantResult } from '../../results/results.js';
import { baselineOf, headline, pct, type RowStatus, rowsFor } from '../facts.js';
import { findingsOnly, type ReportSection } from '../section.js';
import { type Column, columnsFor, esc, tableBlock, VS_BASELINE } from '../table.js';
import { type Chart, colorOf, only, perWorkload, render } from '../vega.js';

/** What capacity means, as every report says it: the highest offered rate kept up with, and what keeping up is. */
export const CAPACITY_DEFINITION =
  `the highest offered rate kept up with: served within ${Math.round(KEEP_UP_TOLERANCE * 100)}% of the requests that came due in the window, ` +
  'without errors or non-2xx answers, p99 within the objective, and every lower rate too';

/** A latency in ms: one decimal below 100, whole from there. */
export const ms = (x: number) => (x >= 100 ? int(x) : x.toFixed(1));

/** An objective as given: 10, or 2.5. */
export const objectiveMs = (x: number) => (Number.isInteger(x) ? int(x) : String(x));

/** A capacity range as `45,000–55,000`, or `45,000 or more` when no rate swept was above it. */
export const rangeText = (r: { lo: number; hi: number }) => (r.hi === Number.POSITIVE_INFINITY ? `${int(r.lo)} or more` : `${int(r.lo)}–${int(r.hi)}`);

/** The measured point of a sweep at an offered rate. */
export function pointAt(s: Sweep, offeredRps: number): RatePoint | undefined {
  return s.points.find((p) => p.offeredRps === offeredRps);
}

/** Why a point missed, with its numbers: `served 50,000, p99 400 ms, 3 errors`. */
export function missDetail(p: RatePoint, why: readonly string[]): string {
  const parts: string[] = [];
  if (why.includes('behind')) parts.push(`served ${int(p.summary.requestsPerSec.median)}`);
  if (why.includes('slo')) parts.push(`p99 ${ms(p.summary.latencyP99Ms.median)} ms`);
  if (why.includes('errors')) parts.push(`${p.summary.errors} errors`);
  return parts.join(', ');
}

/**
 * `45,000`; `none kept up`; `≥45,000` when the load generator explained the first miss (a floor:
 * at least that much); `15,000*` when a higher rate kept up again (noisy); `—` when the sweep did
 * not finish.
 */
export function capacityText(r: CapacityRow): string {
  if (r.capacityRps === undefined) return '—';
  if (r.capacityRps === null) return `none kept up${r.recoveredAfterMiss ? '*' : ''}`;
  return `${r.generatorBoundAtMiss === null ? '' : '≥'}${int(r.capacityRps)}${r.recoveredAfterMiss ? '*' : ''}`;
}

/** The first miss, `55,000: served 50,000, p99 400 ms`, `(the generator's)` when it explained it; `none` when every rate kept up. */
export function firstMissText(r: CapacityRow): string {
  if (r.sweep === undefined || r.firstMiss === undefined) return '—';
  if (r.firstMiss === null) return 'none';
  const p = pointAt(r.sweep, r.firstMiss.offeredRps);
  const whose = r.generatorBoundAtMiss === null ? '' : " (the generator's)";
  return `${int(r.firstMiss.offeredRps)}${p === undefined ? '' : `: ${missDetail(p, r.firstMiss.why)}`}${whose}`;
}

/** `plateau 50,000 → 50,000` (req/s at the peak → at the highest rate); `not reached` when it never fell behind. */
export function pastSaturationText(r: CapacityRow): string {
  if (r.pastSaturation === undefined) return '—';
  return r.pastSaturation === null ? 'not reached' : `${r.pastSaturation.shape} ${int(r.pastSaturation.peakRps)} → ${int(r.pastSaturation.lastRps)}`;
}

/** p50 / p99 in ms at a rate, `1.1 / 4.3`. */
export const latencyText = (l: LatencyAt | undefined) => (l === undefined ? '—' : `${l.p50Ms.toFixed(1)} / ${l.p99Ms.toFixed(1)}`);

/** The legend of the marks capacityText puts on a figure. */
export const CAPACITY_MARKS = {
  recovered: '* kept up again above its first miss: noisy, or rates too coarse',
  floor:
    '≥ capacity at least this: the load generator, not the server, explained the first miss (it used up its CPU, or its own delays made the tail ' +
    'while the requests it did not hold up kept to the objective); the generator could not offer more here',
} as const;

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
  status: RowStatus;
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

/** The median over a point's repetitions of a figure of its open loop. */
function openLoopMedian(p: RatePoint, f: (o: NonNullable<Repetition['openLoop']>) => number): number {
  const xs = p.repetitions.flatMap((r) => (r.openLoop === null ? [] : [f(r.openLoop)]));
  return xs.length === 0 ? 0 : summarize(xs).median;
}

/**
 * A sweep that fell behind while the server had CPU to spare and every one of the generator's
 * connections was busy (requests waited for one) may have measured the connections, not the
 * server: an open loop still sends on at most one request per connection at a time. A miss on
 * the objective alone is not enough: a stall of the machine fills every connection for a moment
 * too, and more connections would only move that wait from the generator to the server.
 */
function connectionsBound(workload: string, slo: number, r: CapacityRow): string | undefined {
  const s = r.sweep;
  // A generator that explains the miss is said apart (generatorBoundFinding): it explains it more plainly.
  if (s === undefined || s.firstMiss === null || r.capacityRps === undefined || s.generatorBoundAtMiss !== null || !s.firstMiss.why.includes('behind'))
    return undefined;
  const p = pointAt(s, s.firstMiss.offeredRps);
  const share = p?.summary.serverCpuShare?.median;
  if (p === undefined || share === undefined || share >= SATURATED_SHARE) return undefined;
  const late = openLoopMedian(p, (o) => o.late);
  const served = p.summary.requestsPerSec.median;
  if (late <= 0 || served <= 0) return undefined;
  const n = r.connections;
  const capacity = r.capacityRps === null ? 'sweep (no rate kept up with)' : `capacity (${int(r.capacityRps)} req/s)`;
  return (
    `${workload}: ${r.variant}'s ${capacity} at p99 ≤ ${objectiveMs(slo)} ms may be bound by the generator's ${n} connections ` +
    `(one request in flight on each: ${n} connections each held L ms carry at most ${n}/L requests a second) or by the model's own concurrency: ` +
    `at its first miss, ${int(s.firstMiss.offeredRps)} req/s offered, it served ${int(served)} with every connection busy ` +
    `(in the median repetition ${int(late)} requests were sent late, waiting for one) while the server used ${pct(share)} of its CPU. ` +
    'Rerun with more --connections to tell which.'
  );
}

/**
 * A first miss on the objective alone, at a rate the server kept up with and with CPU to spare,
 * whose p99 was mostly time requests waited in the generator to be sent: every connection had a
 * request in flight, so one side stalled long enough to hold them all. (Behind, or with the
 * server's CPU used up, the wait is the ordinary queue of a server at its limit.) Since version 7
 * the generator tells which: a backlog that began with a request it took off its schedule on time
 * was the server's (it held every connection); one the generator began by being late counts in
 * its held-up requests, and such a miss is a floor (generatorBoundFinding). Older files cannot
 * tell, and say so.
 */
function waitedToBeSent(workload: string, r: CapacityRow): string | undefined {
  const s = r.sweep;
  if (s === undefined || s.firstMiss === null || s.generatorBoundAtMiss !== null || s.firstMiss.why.join() !== 'slo') return undefined;
  const p = pointAt(s, s.firstMiss.offeredRps);
  if (p === undefined || (p.summary.serverCpuShare?.median ?? 0) >= SATURATED_SHARE) return undefined;
  const lag = openLoopMedian(p, (o) => o.sendLagP99Ms);
  const late = openLoopMedian(p, (o) => o.late);
  const p99 = p.summary.latencyP99Ms.median;
  if (late <= 0 || lag < p99 / 2) return undefined;
  const server = p.summary.serverCpuShare?.median;
  const waited =
    `${workload}: at ${r.variant}'s first miss, ${int(s.firstMiss.offeredRps)} req/s offered, ${ms(lag)} ms of its ${ms(p99)} ms p99 was time requests waited ` +
    `in the load generator to be sent (${int(late)} sent late in the median repetition, every connection busy; the generator at ${pct(p.summary.loadgenCpuShare.median)} of its CPU` +
    `${server === undefined ? '' : `, the server at ${pct(server)}`})`;
  // Version 7 says what the generator held up; it kept its schedule when none of the repetitions
  // was generator-bound and it held up under 1% of the requests.
  const told = p.repetitions.every((x) => typeof x.openLoop?.notHeldP99Ms === 'number' && typeof x.openLoop.heldUpShare === 'number');
  const held = openLoopMedian(p, (o) => o.heldUpShare ?? 0);
  const rest = ms(openLoopMedian(p, (o) => o.notHeldP99Ms ?? 0));
  if (told && held < 0.01 && p.repetitions.every((x) => repetitionBound(x) === null))
    return (
      `${waited}. The generator kept its schedule (it held up ${pct(held)} of the requests; the others had a p99 of ${rest} ms), ` +
      'so the server held every connection: a pause or a burst of its own, and the miss is the server’s.'
    );
  if (told)
    return (
      `${waited}. The generator held up ${pct(held)} of the requests, but the others missed too (p99 ${rest} ms): ` +
      'both sides stalled, and the miss counts as the server’s.'
    );
  return `${waited}: one side stalled long enough to hold every connection, and the sweep cannot tell which, so that miss, and the capacity below it, may be the machine’s or the generator’s as much as the server’s.`;
}

/**
 * A sweep whose first miss the load generator explains measured the generator there: it used up
 * its CPU, or its own delays made the tail while the requests it did not hold up kept to the
 * objective. The capacity is then a floor.
 */
function generatorBoundFinding(workload: string, slo: number, r: CapacityRow): string | undefined {
  const s = r.sweep;
  if (s === undefined || s.firstMiss === null || s.generatorBoundAtMiss === null) return undefined;
  const p = pointAt(s, s.firstMiss.offeredRps);
  const objective = `p99 ≤ ${objectiveMs(slo)} ms`;
  const capacity =
    typeof r.capacityRps === 'number'
      ? `capacity at ${objective} is at least ${int(r.capacityRps)} req/s, a floor`
      : `lack of any capacity at ${objective} may not be its own`;
  const at = `at its first miss, ${int(s.firstMiss.offeredRps)} req/s offered,`;
  if (s.generatorBoundAtMiss === 'saturated') {
    const share = p === undefined ? undefined : Math.max(...p.repetitions.map((x) => x.loadgenCpuShare));
    return (
      `${workload}: ${r.variant}'s ${capacity}: ${at} the load generator used up its CPU` +
      `${share === undefined ? '' : ` (${pct(share)} of it in its busiest repetition)`}, so the miss may be the generator's, not the server's: ` +
      'the generator could not offer more here. A generator with more CPU to itself (on another machine, with --target) would tell.'
    );
  }
  const detail =
    p === undefined
      ? ''
      : ` Its p99 was ${ms(p.summary.latencyP99Ms.median)} ms, but the requests the generator did not hold up had ${ms(openLoopMedian(p, (o) => o.notHeldP99Ms ?? 0))} ms, within the objective; ` +
        `it held up ${pct(openLoopMedian(p, (o) => o.heldUpShare ?? 0))} of them (due while its event loop was busy or stalled, up to ${ms(openLoopMedian(p, (o) => o.loopDelayMaxMs ?? 0))} ms).`;
  return (
    `${workload}: ${r.variant}'s ${capacity}: ${at} the load generator's own delays made the tail.${detail} ` +
    'The generator could not offer more here; a generator with a core to itself on a quieter machine, or on another machine with --target, would go further.'
  );
}

/** Findings of a capacity run's sweeps, per workload at the headline concurrency; none for other runs. */
/** A row that kept up with some rate, with its capacity and the range the sweep puts it in. */
export interface RankedCapacity {
  row: CapacityRow;
  rps: number;
  range: { lo: number; hi: number };
}

/**
 * A workload's sweeps at `at`, and those that kept up with some rate by capacity, highest first:
 * the one ranking the findings and the verdict both read.
 */
export function capacityRanking(table: CapacityTable, at: { connections: number; pipelining: number }): { swept: CapacityRow[]; ranked: RankedCapacity[] } {
  const swept = table.rows.filter((r) => r.status === 'ok' && r.sweep !== undefined && r.connections === at.connections && r.pipelining === at.pipelining);
  const ranked = swept
    .flatMap((r) =>
      typeof r.capacityRps === 'number' ? [{ row: r, rps: r.capacityRps, range: capacityRange(r) ?? { lo: r.capacityRps, hi: r.capacityRps } }] : [],
    )
    .sort((a, b) => b.rps - a.rps);
  return { swept, ranked };
}

export function capacityFindings(results: Results): string[] {
  const tables = capacityTables(results);
  if (tables.length === 0) return [];
  const out = [
    `Capacity is ${CAPACITY_DEFINITION}. ` +
      'Its range runs from the lowest capacity any repetition reached alone to the next rate swept above the highest: the true capacity lies in it, ' +
      'so two variants whose ranges overlap are within noise and no winner is named.',
  ];
  const at = headline(results);
  for (const table of tables) {
    const { workload, sloP99Ms: slo } = table;
    const objective = `p99 ≤ ${objectiveMs(slo)} ms`;
    const { swept: rows, ranked } = capacityRanking(table, at);
    if (rows.length === 0) continue;
    const [best, second] = ranked;
    if (best === undefined) out.push(`${workload}: no variant kept up with any rate offered at ${objective}.`);
    else if (second === undefined)
      out.push(
        `${workload}: only ${best.row.variant} kept up with any rate offered at ${objective}: ${best.row.generatorBoundAtMiss === null ? '' : 'at least '}${int(best.rps)} req/s (range ${rangeText(best.range)})` +
          `${best.row.generatorBoundAtMiss === null ? '' : ', a floor: the load generator, not the server, explained its first miss'}.`,
      );
    else {
      let sentence: string;
      const open = [best, second].filter((x) => x.range.hi === Number.POSITIVE_INFINITY).map((x) => x.row.variant);
      if (overlap(best.range, second.range) && open.length > 0)
        sentence =
          `${workload}: ${best.row.variant} (${int(best.rps)} req/s) and ${second.row.variant} (${int(second.rps)}) at ${objective} cannot be ordered by this sweep: ` +
          `${open.join(' and ')} kept up with every rate ${open.length === 1 ? 'it was' : 'they were'} offered, so ${open.length === 1 ? 'its capacity is' : 'their capacities are'} only known to be at least that; higher --rates would tell`;
      else if (overlap(best.range, second.range))
        sentence =
          `${workload}: ${best.row.variant} and ${second.row.variant} kept up with about as much at ${objective} (${int(best.rps)} and ${int(second.rps)} req/s): ` +
          `within noise, as their ranges overlap (${rangeText(best.range)} and ${rangeText(second.range)} req/s)`;
      else
        sentence =
          `${workload}: ${best.row.variant} kept up with the most at ${objective}, ${int(best.rps)} req/s, ${times(best.rps / second.rps)} the runner-up ${second.row.variant} (${int(second.rps)}); ` +
          `their ranges do not overlap (${rangeText(best.range)} and ${rangeText(second.range)} req/s)`;
      const base = ranked.find((x) => x.row.variant === baselineOf(results));
      if (base !== undefined && base !== best && base !== second && base.rps > 0)
        sentence += `; ${base.row.variant} ${int(base.rps)} (${best.row.variant} ${times(best.rps / base.rps)} that)`;
      sentence += '.';
      const floors = [best, second].filter((x) => x.row.generatorBoundAtMiss !== null).map((x) => x.row.variant);
      if (floors.length > 0)
        sentence += ` The load generator, not the server, explained the first miss of ${floors.join(' and ')}, so ${floors.length === 1 ? 'that capacity is a floor' : 'those capacities are floors'} and the order may differ.`;
      out.push(sentence);
      // Lower down the ranking, neighbours the sweep cannot order.
      const ties: string[] = [];
      for (let i = 1; i + 1 < ranked.length; i++) {
        const a = ranked[i];
        const b = ranked[i + 1];
        if (a !== undefined && b !== undefined && overlap(a.range, b.range))
          ties.push(`${a.row.variant} (${int(a.rps)}, range ${rangeText(a.range)}) and ${b.row.variant} (${int(b.rps)}, range ${rangeText(b.range)})`);
      }
      if (ties.length > 0) out.push(`${workload}: within noise of each other at ${objective} (ranges that overlap, req/s): ${ties.join('; ')}.`);
    }

    const plateaus: string[] = [];
    for (const r of rows) {
      const s = r.sweep;
      if (s === undefined) continue;
      const highest = Math.max(...s.points.map((p) => p.offeredRps));
      const past = s.pastSaturation;
      if (past?.shape === 'collapse')
        out.push(
          `${workload}: ${r.variant}'s throughput collapsed past saturation: it served at most ${int(past.peakRps)} req/s, and ${int(past.lastRps)} ` +
            `at the highest rate offered (${int(highest)}), ${pct(past.lastRps / past.peakRps)} of its peak (below ${pct(COLLAPSE_SHARE)} counts as a collapse): asked for more than it can serve, it serves less.`,
        );
      else if (past?.shape === 'plateau') plateaus.push(`${r.variant} (${int(past.peakRps)} → ${int(past.lastRps)})`);

      const lowest = s.points[0];
      if (r.capacityRps === null && lowest !== undefined) {
        const why = missesOf(observedOf(lowest), slo);
        out.push(
          `${workload}: ${r.variant} kept up with no rate at ${objective}: p99 ${ms(lowest.summary.latencyP99Ms.median)} ms at the lowest rate, ${int(lowest.offeredRps)} req/s` +
            `${why.includes('behind') ? `, of which it served ${int(lowest.summary.requestsPerSec.median)}` : ''}${why.includes('errors') ? `, with ${lowest.summary.errors} errors` : ''}.`,
        );
      }

      if (s.recoveredAfterMiss && s.firstMiss !== null) {
        const miss = pointAt(s, s.firstMiss.offeredRps);
        const again = s.points.find((p) => p.offeredRps > (s.firstMiss?.offeredRps ?? 0) && missesOf(observedOf(p), slo).length === 0);
        out.push(
          `${workload}: ${r.variant}'s sweep kept up again above its first miss: it missed ${int(s.firstMiss.offeredRps)} req/s` +
            `${miss === undefined ? '' : ` (${missDetail(miss, s.firstMiss.why)})`}${again === undefined ? '' : ` but kept up with ${int(again.offeredRps)}`}. ` +
            `Its capacity stays ${typeof r.capacityRps === 'number' ? `${int(r.capacityRps)} req/s` : 'none'}, below the first miss, as a capacity is a rate to be trusted; ` +
            'the sweep is noisy or its rates too coarse: more --repetitions, or --rates closer together, would settle it.',
        );
      }
      for (const f of [generatorBoundFinding(workload, slo, r), connectionsBound(workload, slo, r), waitedToBeSent(workload, r)])
        if (f !== undefined) out.push(f);
    }
    if (plateaus.length > 0)
      out.push(
        `${workload}: past saturation ${plateaus.join(', ')} plateaued (req/s at their peak → at the highest rate offered; at least ${pct(COLLAPSE_SHARE)} of the peak counts as a plateau): ` +
          'each served about what it could, and the rest waited.',
      );
  }
  return out;
}

/** The columns of every capacity table. */
const CAPACITY_COLUMNS: Array<Column<CapacityRow>> = [
  { head: 'variant', text: (r) => r.variant, value: (r) => r.variant },
  { head: 'conn', text: (r) => (r.connections > 0 ? String(r.connections) : '—'), value: (r) => r.connections },
  { head: 'capacity req/s', text: capacityText, value: (r) => r.capacityRps ?? -1 },
  {
    head: 'range req/s',
    text: (r) => {
      const range = capacityRange(r);
      return range === undefined ? '—' : rangeText(range);
    },
    value: (r) => capacityRange(r)?.lo ?? -1,
  },
  {
    head: 'per repetition',
    text: (r) => r.capacityByRepetition?.map((x) => (x === null ? 'none' : int(x))).join(', ') ?? '—',
    value: (r) => Math.min(...(r.capacityByRepetition ?? [-1]).map((x) => x ?? 0)),
  },
  { head: VS_BASELINE, text: (r) => (r.vsNodeHttp === undefined ? '—' : `${r.vsNodeHttp.toFixed(2)}×`), value: (r) => r.vsNodeHttp ?? -1 },
  { head: 'closed-loop max req/s', text: (r) => (r.maxRps === undefined ? '—' : int(r.maxRps)), value: (r) => r.maxRps ?? -1 },
  { head: 'p50 / p99 ms at 50%', text: (r) => latencyText(r.at50), value: (r) => r.at50?.p99Ms ?? -1 },
  { head: 'p50 / p99 ms at 90%', text: (r) => latencyText(r.at90), value: (r) => r.at90?.p99Ms ?? -1 },
  { head: 'first miss req/s', text: (r) => firstMissText(r), value: (r) => r.firstMiss?.offeredRps ?? -1 },
  { head: 'past saturation req/s', text: pastSaturationText, value: (r) => r.pastSaturation?.shape ?? '' },
  { head: 'note', text: (r) => r.note, value: (r) => r.note },
];

/** How to read a capacity table: what each column is and how it is obtained. */
function capacityIntro(r: Results): string {
  const c = r.settings.capacity;
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  return (
    `After each cell's closed loop, an open loop offered it every rate of the sweep in turn (${c?.rates.join(', ') ?? ''}). ` +
    `**Capacity**: ${CAPACITY_DEFINITION} ` +
    `(none kept up: not even the lowest rate). Marks: ${CAPACITY_MARKS.recovered}; ${CAPACITY_MARKS.floor}. ` +
    '**Range**: from the lowest capacity any repetition reached alone to the next rate swept above the highest (open when none was above); ' +
    'two variants whose ranges overlap are within noise. ' +
    "**p50 / p99 at 50% and 90%** of the variant's own capacity: interpolated linearly, in offered rate, between the two measured rates " +
    'on either side of that rate (— when it is below the lowest rate swept). **First miss**: the lowest rate that missed, and what missed there. ' +
    `**Past saturation**: once it fell behind, req/s served at its peak → at the highest rate offered: a collapse when that is below ${pct(COLLAPSE_SHARE)} of the peak, else a plateau.`
  );
}

const capacityHeading = (t: CapacityTable) => `${t.workload}: capacity at p99 ≤ ${objectiveMs(t.sloP99Ms)} ms`;

/** A capacity run's sweep: rates, arrivals and the objective of each workload it ran. */
function capacityLines(r: Results): string[] {
  const c = r.settings.capacity;
  if (c === null) return [];
  const objectives = capacityTables(r).map((t) => `${t.workload} ${objectiveMs(t.sloP99Ms)} ms`);
  return [
    `capacity sweep after each cell's closed loop: offered rates ${c.rates.join(', ')} (a percentage is of the cell's closed-loop maximum), ` +
      `${c.arrivals} arrivals, ${r.settings.repetitions} × ${r.settings.durationSec} s per rate; p99 objective: ${objectives.join(', ')}`,
  ];
}

/**
 * A capacity run's two charts, at the headline concurrency: p99 against what was served, with
 * the objective as a rule; and served against offered, with y = x (keeping up) for reference.
 * Each curve is drawn in the order of offered rate, since past saturation what is served can fall.
 */
async function capacityCharts(results: Results, color: object): Promise<Chart[]> {
  const tables = capacityTables(results);
  if (tables.length === 0) return [];
  const at = headline(results);
  const points = results.variants.flatMap((v) =>
    cellsOf(v)
      .filter((c) => c.connections === at.connections && c.pipelining === at.pipelining)
      .flatMap((c) =>
        (c.sweep?.points ?? []).map((p) => ({
          kind: 'point',
          workload: c.workload,
          variant: rowLabel(v, c),
          offered: p.offeredRps,
          served: p.summary.requestsPerSec.median,
          // A log axis has no 0; a point is never that fast, but a broken one could read 0.
          ms: Math.max(0.01, p.summary.latencyP99Ms.median),
          // Shown, never counted as the server's: the generator made the figures of at least half
          // its repetitions, as the point's median is taken over them.
          bound: p.repetitions.filter((r) => repetitionBound(r) !== null).length * 2 >= p.repetitions.length,
        })),
      ),
  );
  if (points.length === 0) return [];
  const workloadOrder = tables.map((t) => t.workload);
  const swept = new Set(points.map((p) => p.workload));
  const objectives = tables.filter((t) => swept.has(t.workload)).map((t) => ({ kind: 'objective', workload: t.workload, ms: t.sloP99Ms }));
  const diagonals = tables.flatMap((t) => {
    const top = Math.max(0, ...points.filter((p) => p.workload === t.workload).map((p) => Math.max(p.offered, p.served)));
    return top > 0 ? [0, top].map((x) => ({ kind: 'diagonal', workload: t.workload, offered: x, served: x })) : [];
  });
  const line = { type: 'line', point: true };
  const order = { field: 'offered', type: 'quantitative' };
  return [
    {
      file: 'capacity-latency.svg',
      title:
        `p99 latency against requests/s served, per variant, by workload (${at.connections} connections; open loop at rising offered rates; log y; dashed: the p99 objective` +
        `${points.some((p) => p.bound) ? '; ×: generator-bound, the tail there is the load generator’s' : ''})`,
      svg: await render(
        perWorkload(
          [...points, ...objectives],
          workloadOrder,
          {
            layer: [
              {
                transform: only('point'),
                mark: line,
                encoding: {
                  x: { field: 'served', type: 'quantitative', title: 'requests/s served' },
                  y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'p99 latency (ms)' },
                  order,
                  color,
                },
              },
              {
                name: 'generator_bound',
                transform: [...only('point'), { filter: 'datum.bound' }],
                mark: { type: 'point', shape: 'cross', size: 90, color: '#000', strokeWidth: 1.5 },
                encoding: { x: { field: 'served', type: 'quantitative' }, y: { field: 'ms', type: 'quantitative' } },
              },
              {
                transform: only('objective'),
                mark: { type: 'rule', color: '#c00', strokeDash: [4, 3] },
                encoding: { y: { field: 'ms', type: 'quantitative' } },
              },
            ],
          },
          true,
        ),
      ),
    },
    {
      file: 'capacity-throughput.svg',
      title: `Requests/s served against offered, per variant, by workload (${at.connections} connections; dashed: served = offered)`,
      svg: await render(
        perWorkload(
          [...points, ...diagonals],
          workloadOrder,
          {
            layer: [
              {
                transform: only('diagonal'),
                mark: { type: 'line', color: '#999', strokeDash: [4, 3] },
                encoding: { x: { field: 'offered', type: 'quantitative' }, y: { field: 'served', type: 'quantitative' } },
              },
              {
                transform: only('point'),
                mark: line,
                encoding: {
                  x: { field: 'offered', type: 'quantitative', title: 'requests/s offered' },
                  y: { field: 'served', type: 'quantitative', title: 'requests/s served' },
                  order,
                  color,
                },
              },
            ],
          },
          true,
        ),
      ),
    },
  ];
}

/**
 * The capacity of every variant at each workload's objective, for `cbench bench` to print after
 * the summary table of a capacity run; '' for any other run.
 */
export function capacitySummary(results: Results): string {
  const tables = capacityTables(results);
  if (tables.length === 0) return '';
  const base = baselineOf(results);
  const ratio = base !== undefined;
  const head = [
    'variant',
    'workload',
    'conn',
    'p99 ≤ ms',
    'capacity req/s',
    ...(ratio ? [`vs ${base}`] : []),
    'closed max',
    'p50/p99 ms at 50%',
    'at 90%',
    'first miss',
    'past saturation',
  ];
  const rows: string[][] = [head];
  for (const t of tables) {
    for (const r of t.rows) {
      rows.push([
        r.variant,
        t.workload,
        r.connections > 0 ? String(r.connections) : '—',
        objectiveMs(t.sloP99Ms),
        r.capacityRps === undefined && r.note !== '' ? r.note.slice(0, 60) : capacityText(r),
        ...(ratio ? [r.vsNodeHttp === undefined ? '—' : `${r.vsNodeHttp.toFixed(2)}×`] : []),
        r.maxRps === undefined ? '—' : formatInt(r.maxRps),
        latencyText(r.at50),
        latencyText(r.at90),
        firstMissText(r),
        pastSaturationText(r),
      ]);
    }
  }
  const all = tables.flatMap((t) => t.rows);
  const marks = [
    ...(all.some((r) => r.recoveredAfterMiss) ? [CAPACITY_MARKS.recovered] : []),
    ...(all.some((r) => r.generatorBoundAtMiss !== null) ? [CAPACITY_MARKS.floor] : []),
  ];
  return (
    `capacity: ${CAPACITY_DEFINITION}\n\n` +
    `${formatTable(rows, (i) => i >= 2 && i <= head.indexOf('at 90%'))}` +
    (marks.length === 0 ? '' : `\n\n${marks.join('\n')}`)
  );
}

/** Capacity at the latency objective: the sweep in the header, a table per workload, its findings, its charts and its summary table. */
export const capacitySection: ReportSection = {
  id: 'capacity',
  figureOrder: 3,
  header: capacityLines,
  findings: (r) => findingsOnly(capacityFindings(r)),
  tables: (r) => {
    const tables = capacityTables(r);
    if (tables.length === 0) return { blocks: [] };
    return {
      title: 'Capacity at the latency objective',
      intro: capacityIntro(r),
      blocks: tables.map((t) =>
        tableBlock(
          capacityHeading(t),
          undefined,
          columnsFor(r, CAPACITY_COLUMNS),
          t.rows,
          (row) => row.status !== 'ok' || row.capacityRps === null || row.note !== '',
          ` data-workload="${esc(t.workload)}"`,
        ),
      ),
    };
  },
  charts: (r) => capacityCharts(r, colorOf(r)),
  terminal: capacitySummary,
};
