// Findings: sentences computed from the numbers of one run, never written in advance.

import type { ConcurrencyModel } from '../../servers/variants/types.js';
import { COLLAPSE_SHARE, missesOf, observedOf, rangesOverlap as overlap } from '../analysis/capacity.js';
import { repetitionBound, SATURATED_SHARE } from '../analysis/saturation.js';
import { formatInt as int, formatTimes as times } from '../lib/format.js';
import { summarize } from '../lib/stats.js';
import { type WorkloadName, workloads } from '../plan/scenarios.js';
import { type CellResult, cellsOf, type RatePoint, type Repetition, type Results } from '../results/results.js';
import { CAPACITY_DEFINITION, missDetail, ms, objectiveMs, pointAt, rangeText } from './capacity-text.js';
import {
  baselineOf,
  type CapacityRow,
  capacityRange,
  capacityTables,
  type HeavyShareSeries,
  headline,
  heavyShareSeries,
  isMix,
  measured,
  modelOf,
  type RouteFigures,
  type RouteTable,
  type Row,
  routesOf,
  routeTables,
  workloadTables,
} from './model.js';
import { resilienceFindings } from './resilience-findings.js';

/** Throughputs closer than this ratio are reported as a tie: run-to-run noise on a shared machine is of this order. */
const TIE = 1.05;
/** A tie, as the findings say it. */
const WITHIN_TIE = `within ${Math.round((TIE - 1) * 100)}%`;

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

/**
 * The path of a workload that sends one request, as the run recorded it (or as the built-in
 * workload has it); '' for a mix, whose figures no one request's path explains.
 */
function workloadPath(results: Results, name: string): string {
  const requests: ReadonlyArray<{ path: string }> | undefined =
    results.settings.mixes[name]?.requests ?? (Object.hasOwn(workloads, name) ? workloads[name as WorkloadName].requests : undefined);
  return requests?.length === 1 ? (requests[0]?.path ?? '') : '';
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

const pct = (x: number) => `${Math.round(x * 100)}%`;

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
    const rows = table.rows.filter((r) => r.status === 'ok' && r.sweep !== undefined && r.connections === at.connections && r.pipelining === at.pipelining);
    if (rows.length === 0) continue;
    const ranked = rows
      .flatMap((r) =>
        typeof r.capacityRps === 'number' ? [{ row: r, rps: r.capacityRps, range: capacityRange(r) ?? { lo: r.capacityRps, hi: r.capacityRps } }] : [],
      )
      .sort((a, b) => b.rps - a.rps);
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

/** Where the findings of the workload tables are judged: the headline cell, `at 64 connections`. */
function headlineText(results: Results): string {
  const at = headline(results);
  return `at ${at.connections} connection${at.connections === 1 ? '' : 's'}${results.settings.capacity === null ? '' : ' in a closed loop'}`;
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
function mixFinding(results: Results, t: RouteTable, at: { connections: number; pipelining: number }, where: string): string | undefined {
  if (t.quick === undefined) return undefined;
  const p99 = (routes: RouteFigures[], label: string | undefined) => routes.find((x) => x.label === label)?.summary?.latencyP99Ms.median;
  const rows = t.rows
    .filter((r) => r.status === 'ok' && r.connections === at.connections && r.pipelining === at.pipelining)
    .flatMap((r) => {
      const quick = p99(r.routes, t.quick);
      return quick === undefined ? [] : [{ variant: r.variant, quick, heavy: p99(r.routes, t.heavy) }];
    })
    .sort((a, b) => a.quick - b.quick);
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

export function findings(results: Results): string[] {
  const out: string[] = [...resilienceFindings(results), ...capacityFindings(results)];
  const at = headline(results);
  const where = headlineText(results);
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

  out.push(...routeFindings(results));
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
  const killWorkers = results.settings.resilience?.killWorkers;
  // The models whose workers default to one per CPU the server was given.
  const withWorkers = results.variants.filter((v) => v.model === 'multi-process' || v.model === 'thread-pool').map((v) => v.name);
  const processes = results.variants.filter((v) => v.model === 'multi-process').map((v) => v.name);
  if (pin.server === '1-1' && withWorkers.length > 0)
    out.push(
      `The server was pinned to one CPU (the other ran the load generator), so ${withWorkers.join(' and ')} ran with one worker each here` +
        (killWorkers === undefined || processes.length === 0
          ? '.'
          : ` (but for the killed worker, where ${processes.join(' and ')} ran ${killWorkers}, sharing that CPU).`),
    );
  if (results.status === 'incomplete') out.push('This run was interrupted: the results are incomplete.');
  return out;
}
