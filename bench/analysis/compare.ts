// cbench compare BASE HEAD: for every cell in both runs and every metric, the change, an interval
// of that change, a p-value corrected for the number of comparisons (Holm), the smallest change
// the comparison could have detected (its power), and whether the change is a regression worth
// failing a build for.
//
// The two sides of an A/B run were sampled in pairs (A B, B A, ...: alternate.ts): such a run is
// judged on its pairs, the log-ratio of head over base within each, which cancels what the two
// samples of a pair shared (the machine's speed at that moment); a pair whose canary (canary.ts)
// says the machine's speed changed within it is left out, and counted. Two separate runs have no
// pairs: they are compared as two groups (Welch's t or Mann-Whitney on the repetitions, a
// bootstrap interval of the change of the medians), which cannot tell a drift of the machine from
// a change of the code.

import { sampleVariance } from 'simple-statistics';
import { canarySpread } from '../lib/canary.js';
import { formatTable } from '../lib/format.js';
import { bootstrapChangeCI, detectableEffect, holm, mannWhitneyU, pairedLogRatioTest, stars, summarize, welchTTest } from '../lib/stats.js';
import { cellName, cellsOf, type OkCell, type Repetition, type Results, variantLabel, whyNot } from '../results/results.js';
import { capacityRange } from './capacity.js';
import { GENERATOR_BOUND_NOTE } from './saturation.js';
import type { Thresholds } from './thresholds.js';

/** A metric compared between runs, and which direction is worse. */
interface Metric {
  key: keyof Thresholds;
  label: string;
  /** Its samples in a cell, one per repetition; unknown values are left out. */
  samples: (c: OkCell) => number[];
  /** Its value in one repetition, for pairing; absent for a figure of the whole cell (capacity). */
  value?: (r: Repetition) => number | null;
  /** +1: a rise is a regression; -1: a fall is. */
  worse: 1 | -1;
}

const perRepetition = (value: (r: Repetition) => number | null) => ({
  value,
  samples: (c: OkCell) => c.repetitions.map(value).filter((x): x is number => x !== null),
});

export const METRICS: Metric[] = [
  { key: 'requestsPerSec', label: 'req/s', ...perRepetition((r) => r.requestsPerSec), worse: -1 },
  { key: 'latencyP99Ms', label: 'p99', ...perRepetition((r) => r.latencyMs.p99), worse: 1 },
  { key: 'serverCpuUsPerRequest', label: 'CPU/req', ...perRepetition((r) => r.serverCpuUsPerRequest), worse: 1 },
  { key: 'serverPeakRssBytes', label: 'peak RSS', ...perRepetition((r) => r.serverPeakRssBytes), worse: 1 },
  // A sweep's capacity from each repetition index alone gives as many samples as repetitions per
  // rate; a repetition in which no rate kept up had a capacity of 0.
  { key: 'capacityRps', label: 'capacity', samples: (c) => c.sweep?.capacityByRepetition.map((x) => x ?? 0) ?? [], worse: -1 },
];

export interface Comparison {
  variant: string;
  workload: string;
  connections: number;
  pipelining: number;
  /** The workers its servers were started with, when the run chose them; null for the variants' default. */
  workers: number | null;
  metric: string;
  baseMedian: number;
  headMedian: number;
  /** Percent change: of the geometric mean of the pairs' ratios when paired, else of the median. */
  changePct: number;
  /** 95% interval of the change, in percent: a t-interval of the pairs' log-ratios when paired, else a bootstrap of the medians. */
  ci: [number, number];
  /** Paired (an A/B run): the pairs judged, and those left out because the machine's speed changed within them; null for two separate runs. */
  pairs: { used: number; droppedForSpeed: number } | null;
  /**
   * The smallest change in the worse direction, in percent, that this comparison would have
   * detected with 80% power at its own noise, at the strictest level Holm's correction applies
   * (0.05 over the number of comparisons); null for capacities (judged by their ranges).
   */
  mdcPct: number | null;
  /** About how many samples per side (pairs, when paired) make the minimum detectable change reach the threshold at this noise (fewer than measured when it already does); null when the metric is not gated or beyond 1,000. */
  samplesNeeded: number | null;
  /** The minimum detectable change is larger than the threshold: a regression up to it could have passed unseen. */
  underpowered: boolean;
  /** The regression threshold of this metric, in percent (Infinity: not gated). */
  thresholdPct: number;
  p: number;
  /** After Holm's correction over every comparison in the report. */
  pAdjusted: number;
  stars: string;
  /** Why the cell cannot count as a regression (client-bound or invalid), if so. */
  excluded?: string;
  /** Capacity only: the head's capacity range lies wholly below the base's (capacity.ts's capacityRange), so the sweeps tell them apart. */
  separated?: boolean;
  regression: boolean;
}

export interface CompareOptions {
  /** The test for two separate runs; an A/B run's pairs always take the paired t-test on log-ratios. */
  test: 'welch' | 'mann-whitney';
  /** The two runs are the sides of one A/B run: repetition i of each was sampled side by side, and they are judged as pairs. */
  paired?: boolean;
  thresholds: Thresholds;
  seed: number;
}

/** A cell, or a whole variant (cell null), for which no comparison could be made, and why. */
export interface Unjudged {
  variant: string;
  /** `workload c=N p=M`, or null for every cell of the variant. */
  cell: string | null;
  reason: string;
}

/** Every comparison, and what could not be compared. */
export interface ComparisonReport {
  rows: Comparison[];
  unjudged: Unjudged[];
}

const median = (xs: number[]) => summarize(xs).median;

/** A pair whose canary times differ by more than this ratio, within either sample or between the two, ran at two speeds of the machine. */
export const CANARY_SPREAD_MAX = 1.15;

/** What the minimum detectable change is computed from: the noise of the pairs' log-ratios, or of two groups. */
type Noise =
  | { kind: 'paired'; sdLog: number; n: number }
  | { kind: 'groups'; varBase: number; varHead: number; nBase: number; nHead: number; baseMean: number; rank: boolean };

/** The pairs of an A/B cell for one metric: values known on both sides, without those the machine's speed changed under. */
function pairsOf(b: OkCell, h: OkCell, value: (r: Repetition) => number | null): { base: number[]; head: number[]; droppedForSpeed: number } {
  const out = { base: [] as number[], head: [] as number[], droppedForSpeed: 0 };
  const n = Math.min(b.repetitions.length, h.repetitions.length);
  for (let i = 0; i < n; i++) {
    const rb = b.repetitions[i] as Repetition;
    const rh = h.repetitions[i] as Repetition;
    const vb = value(rb);
    const vh = value(rh);
    if (vb === null || vh === null || vb <= 0 || vh <= 0) continue;
    if (rb.canary !== null && rh.canary !== null) {
      const mid = (c: NonNullable<Repetition['canary']>) => (c.beforeMs + c.afterMs) / 2;
      const spreads = [
        canarySpread(rb.canary.beforeMs, rb.canary.afterMs),
        canarySpread(rh.canary.beforeMs, rh.canary.afterMs),
        canarySpread(mid(rb.canary), mid(rh.canary)),
      ];
      if (spreads.some((s) => s > CANARY_SPREAD_MAX)) {
        out.droppedForSpeed++;
        continue;
      }
    }
    out.base.push(vb);
    out.head.push(vh);
  }
  return out;
}

/**
 * The minimum detectable change in the worse direction, in percent, at level alpha and 80% power,
 * with `n` samples per side (pairs) instead of the measured number when given (to find how many
 * would do).
 */
function mdcPct(noise: Noise, alpha: number, worse: 1 | -1, n?: number): number {
  if (noise.kind === 'paired') {
    const k = n ?? noise.n;
    if (noise.sdLog === 0) return 0;
    const log = (detectableEffect(k - 1, alpha) * noise.sdLog) / Math.sqrt(k);
    return (worse > 0 ? Math.exp(log) - 1 : 1 - Math.exp(-log)) * 100;
  }
  const nb = n ?? noise.nBase;
  const nh = n ?? noise.nHead;
  const vb = noise.varBase / nb;
  const vh = noise.varHead / nh;
  if (vb + vh === 0 || noise.baseMean === 0) return 0;
  const df = (vb + vh) ** 2 / (vb ** 2 / (nb - 1) + vh ** 2 / (nh - 1));
  // The rank test needs about π/3 as many samples again as the t-test (its asymptotic relative efficiency under normality).
  const rank = noise.rank ? Math.sqrt(Math.PI / 3) : 1;
  return ((detectableEffect(df, alpha) * Math.sqrt(vb + vh) * rank) / Math.abs(noise.baseMean)) * 100;
}

/** The fewest samples per side (pairs) at which the minimum detectable change is within `threshold` at the same noise, or null beyond 1,000. */
function samplesFor(noise: Noise, alpha: number, worse: 1 | -1, threshold: number): number | null {
  const within = (k: number) => mdcPct(noise, alpha, worse, k) <= threshold;
  if (!within(1000)) return null;
  // The change that can be detected shrinks as samples grow: bisect between 1 (no test) and 1,000.
  let lo = 1;
  let hi = 1000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (within(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function compare(base: Results, head: Results, opts: CompareOptions): ComparisonReport {
  const rows: Array<
    Omit<Comparison, 'pAdjusted' | 'stars' | 'regression' | 'mdcPct' | 'samplesNeeded' | 'underpowered' | 'thresholdPct'> & { noise: Noise | null }
  > = [];
  const unjudged: Unjudged[] = [];
  const names = [...new Set([...head.variants, ...base.variants].map((v) => v.name))];
  for (const name of names) {
    const b = base.variants.find((v) => v.name === name);
    const h = head.variants.find((v) => v.name === name);
    if (b === undefined || h === undefined) {
      unjudged.push({ variant: name, cell: null, reason: `only in the ${b === undefined ? 'head' : 'base'} run` });
      continue;
    }
    const unmeasured = (
      [
        ['base', b],
        ['head', h],
      ] as const
    ).filter(([, v]) => v.status !== 'ok' && cellsOf(v).length === 0);
    if (unmeasured.length > 0) {
      unjudged.push({ variant: name, cell: null, reason: unmeasured.map(([side, v]) => `${side} ${whyNot(v)}`).join('; ') });
      continue;
    }
    const baseCells = new Map(cellsOf(b).map((c) => [cellName(c), c]));
    const headCells = new Map(cellsOf(h).map((c) => [cellName(c), c]));
    for (const cell of new Set([...headCells.keys(), ...baseCells.keys()])) {
      const bc = baseCells.get(cell);
      const hc = headCells.get(cell);
      if (bc === undefined || hc === undefined) {
        const [side, v] = bc === undefined ? (['base', b] as const) : (['head', h] as const);
        unjudged.push({ variant: name, cell, reason: `not measured in the ${side} run${v.status === 'ok' ? '' : ` (${whyNot(v)})`}` });
        continue;
      }
      if (bc.status === 'failed' || hc.status === 'failed') {
        const why = [bc.status === 'failed' ? `base: ${bc.reason}` : '', hc.status === 'failed' ? `head: ${hc.reason}` : ''];
        unjudged.push({ variant: name, cell, reason: why.filter((x) => x !== '').join('; ') });
        continue;
      }
      // A client-bound throughput is a floor, and its tail may be the generator's. When the head's
      // is, it may hide a server that is as fast as before, so nothing is concluded of req/s or
      // p99. When only the base's is, the base was at least that good, so a significant drop in
      // the head is still a proven regression. The server's CPU per request and its memory are
      // its own whoever set the pace: they are judged either way.
      const clientBound = hc.clientBound ? 'client-bound: the figures are floors' : undefined;
      let compared = 0;
      const sweepsDiffer = sweepDifference(bc, hc);
      if (sweepsDiffer !== undefined) unjudged.push({ variant: name, cell, reason: sweepsDiffer });
      for (const m of METRICS) {
        if (m.key === 'capacityRps' && sweepsDiffer !== undefined) continue;
        const bs = m.samples(bc);
        const hs = m.samples(hc);
        if (m.key === 'capacityRps' && bs.length > 0 && median(bs) === 0) {
          unjudged.push({ variant: name, cell, reason: 'no capacity in the base run to compare with (it kept up with no rate)' });
          continue;
        }
        if (bs.length < 2 || hs.length < 2) continue;
        const where = { variant: name, workload: hc.workload, connections: hc.connections, pipelining: hc.pipelining, workers: hc.workers, metric: m.key };
        const excluded = m.key === 'requestsPerSec' || m.key === 'latencyP99Ms' ? clientBound : undefined;
        const verdict = m.key === 'capacityRps' ? capacityVerdict(bc, hc) : excluded === undefined ? {} : { excluded };
        if (opts.paired === true && m.value !== undefined) {
          const pairs = pairsOf(bc, hc, m.value);
          if (pairs.base.length < 2) {
            if (pairs.droppedForSpeed > 0)
              unjudged.push({
                variant: name,
                cell,
                reason: `${m.label}: the machine's speed changed within ${pairs.droppedForSpeed} of its pairs (canary), leaving ${pairs.base.length}: too few to judge`,
              });
            continue;
          }
          compared++;
          const t = pairedLogRatioTest(pairs.base, pairs.head);
          rows.push({
            ...where,
            baseMedian: median(pairs.base),
            headMedian: median(pairs.head),
            changePct: (t.ratio - 1) * 100,
            ci: [(t.ci[0] - 1) * 100, (t.ci[1] - 1) * 100],
            p: t.p,
            pairs: { used: t.n, droppedForSpeed: pairs.droppedForSpeed },
            noise: { kind: 'paired', sdLog: t.sdLog, n: t.n },
            ...verdict,
          });
          continue;
        }
        compared++;
        const bm = median(bs);
        const hm = median(hs);
        const p = opts.test === 'welch' ? welchTTest(bs, hs).p : mannWhitneyU(bs, hs).p;
        const ci = bootstrapChangeCI(bs, hs, { seed: opts.seed });
        rows.push({
          ...where,
          baseMedian: bm,
          headMedian: hm,
          changePct: bm === 0 ? 0 : ((hm - bm) / bm) * 100,
          ci: [ci[0] * 100, ci[1] * 100],
          p,
          pairs: null,
          noise:
            m.key === 'capacityRps'
              ? null
              : {
                  kind: 'groups',
                  varBase: sampleVariance(bs),
                  varHead: sampleVariance(hs),
                  nBase: bs.length,
                  nHead: hs.length,
                  baseMean: bs.reduce((s, x) => s + x, 0) / bs.length,
                  rank: opts.test === 'mann-whitney',
                },
          ...verdict,
        });
      }
      if (compared === 0)
        unjudged.push({ variant: name, cell, reason: `fewer than 2 repetitions (base ${bc.repetitions.length}, head ${hc.repetitions.length})` });
    }
  }
  const adjusted = holm(rows.map((r) => r.p));
  // Holm's first step is the strictest: a change it detects is detected at every step.
  const alpha = 0.05 / Math.max(1, rows.length);
  return {
    rows: rows.map(({ noise, ...r }, i) => {
      const pAdjusted = adjusted[i] as number;
      const metric = METRICS.find((m) => m.key === r.metric) as Metric;
      const worseBy = r.changePct * metric.worse;
      const threshold = opts.thresholds[metric.key];
      // Capacities fall on the sweep's rates, so a few repetitions often agree exactly and no rank
      // test can reach significance; they are judged by whether their ranges part instead.
      const shown = r.metric === 'capacityRps' ? r.separated === true : pAdjusted < 0.05;
      const regression = r.excluded === undefined && shown && worseBy > threshold;
      const mdc = noise === null ? null : mdcPct(noise, alpha, metric.worse);
      const underpowered = !regression && r.excluded === undefined && mdc !== null && Number.isFinite(threshold) && mdc > threshold;
      const needed = noise === null || !Number.isFinite(threshold) ? null : samplesFor(noise, alpha, metric.worse, threshold);
      // Underpowered at the measured number by the exact computation: more than were measured, whatever the approximation says.
      const measuredN = noise === null ? 0 : noise.kind === 'paired' ? noise.n : Math.max(noise.nBase, noise.nHead);
      const samplesNeeded = needed !== null && underpowered ? Math.max(needed, measuredN + 1) : needed;
      return { ...r, pAdjusted, stars: stars(pAdjusted), regression, mdcPct: mdc, samplesNeeded, underpowered, thresholdPct: threshold };
    }),
    unjudged,
  };
}

/** Why two cells' capacities are different questions (another objective or arrival process), or undefined when they can be compared. */
function sweepDifference(b: OkCell, h: OkCell): string | undefined {
  if (b.sweep === null || h.sweep === null) return undefined;
  if (b.sweep.sloP99Ms !== h.sweep.sloP99Ms) return `capacity at different objectives (base p99 ≤ ${b.sweep.sloP99Ms} ms, head ${h.sweep.sloP99Ms} ms)`;
  if (b.sweep.arrivals !== h.sweep.arrivals) return `capacity under different arrivals (base ${b.sweep.arrivals}, head ${h.sweep.arrivals})`;
  return undefined;
}

/**
 * A capacity's verdict inputs: not judged when the head's is a floor (the generator, not the
 * server, explained its first miss: it may hide an unchanged server), and whether the head's
 * range lies wholly below the base's. A base that is a floor can still show a drop: the server
 * took at least that much then, and a head below it took less.
 */
function capacityVerdict(b: OkCell, h: OkCell): Pick<Comparison, 'excluded' | 'separated'> {
  if (b.sweep === null || h.sweep === null) return {};
  const why = h.sweep.generatorBoundAtMiss;
  if (why !== null) return { excluded: `a floor: ${GENERATOR_BOUND_NOTE[why]} at the head's first miss` };
  return { separated: capacityRange(h.capacityRps, h.sweep).hi <= capacityRange(b.capacityRps, b.sweep).lo };
}

const pct = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;

/** What a comparison concluded, in a word or a sentence. */
export function verdictOf(r: Comparison): string {
  if (r.regression) return 'REGRESSION';
  if (r.excluded !== undefined) return `not judged (${r.excluded})`;
  if (r.underpowered) {
    const more = r.samplesNeeded === null ? 'more than 1,000 samples would' : `about ${r.samplesNeeded} ${r.pairs === null ? 'samples a side' : 'pairs'} would`;
    return `not judged with enough power (MDC ${(r.mdcPct ?? 0).toFixed(1)}% > threshold ${r.thresholdPct}%; ${more} reach it)`;
  }
  return '';
}

function table(rows: Comparison[]): string[][] {
  const head = ['variant', 'workload', 'conn', 'pipe', 'metric', 'base', 'head', 'change', '95% CI', 'MDC', 'p (Holm)', '', 'verdict'];
  return [
    head,
    ...rows.map((r) => [
      variantLabel(r.variant, r.workers),
      r.workload,
      String(r.connections),
      String(r.pipelining),
      METRICS.find((m) => m.key === r.metric)?.label ?? r.metric,
      r.baseMedian.toFixed(r.baseMedian >= 100 ? 0 : 2),
      r.headMedian.toFixed(r.headMedian >= 100 ? 0 : 2),
      pct(r.changePct),
      `${pct(r.ci[0])} … ${pct(r.ci[1])}`,
      r.mdcPct === null ? '—' : `${r.mdcPct.toFixed(1)}%`,
      r.pAdjusted < 0.001 ? '<0.001' : r.pAdjusted.toFixed(3),
      r.stars,
      verdictOf(r),
    ]),
  ];
}

/** How many false positives to expect, what Holm's correction makes of that, how the changes were judged and what MDC means. */
export function footer(rows: readonly Comparison[]): string {
  const n = rows.length;
  const paired = rows.filter((r) => r.pairs !== null);
  const dropped = paired.reduce((s, r) => s + (r.pairs?.droppedForSpeed ?? 0), 0);
  const how =
    paired.length > 0
      ? `Judged on the pairs of the A/B run (Student's t on the log-ratio of head over base within each pair; the change is their geometric mean)` +
        (dropped > 0
          ? `, leaving out ${dropped} pair-metric${dropped === 1 ? '' : 's'} the machine's speed changed within (canary spread over ${CANARY_SPREAD_MAX})`
          : '') +
        '. '
      : 'Two separate runs, compared as two groups: a change of the machine between or during them cannot be told from a change of the code. ';
  return (
    `${n} comparisons. Uncorrected, about ${(n * 0.05).toFixed(1)} of them would be false positives at *, ${(n * 0.01).toFixed(2)} at ** and ` +
    `${(n * 0.001).toFixed(3)} at ***; after Holm's correction the chance of even one false positive is at most 5%, 1% and 0.1%. ` +
    '* p < 0.05, ** p < 0.01, *** p < 0.001 (adjusted). A regression is a significant change beyond its threshold in the worse direction. ' +
    how +
    `MDC: the smallest change in the worse direction this comparison would catch 80% of the time at its own noise (at level 0.05/${n}, Holm's strictest step); ` +
    'where it exceeds the threshold, a regression up to it could pass unseen, and the cell is not judged with enough power.'
  );
}

/** The comparisons not judged with enough power, for a summary line; empty when none. */
export function underpoweredSummary(report: ComparisonReport): string {
  const weak = report.rows.filter((r) => r.underpowered);
  if (weak.length === 0) return '';
  const most = Math.max(...weak.map((r) => r.samplesNeeded ?? Infinity));
  return (
    `${weak.length} of ${report.rows.length} comparisons not judged with enough power (their minimum detectable change exceeds the threshold)` +
    (Number.isFinite(most) ? `; about ${most} repetitions would reach every threshold at this noise` : '; some would need more than 1,000 repetitions')
  );
}

/** The cells that could not be judged, one line each; empty when every cell was. */
function unjudgedLines(unjudged: readonly Unjudged[]): string[] {
  return unjudged.map((u) => `${u.variant} ${u.cell ?? '(every cell)'}: ${u.reason}`);
}

export function renderTerminal(report: ComparisonReport): string {
  const lines = unjudgedLines(report.unjudged);
  return [
    formatTable(table(report.rows)),
    '',
    footer(report.rows),
    ...(lines.length === 0 ? [] : ['', `Not judged (${lines.length}):`, ...lines.map((l) => `  ${l}`)]),
  ].join('\n');
}

export function renderMarkdown(report: ComparisonReport, base: Results, head: Results): string {
  const t = table(report.rows);
  const regressions = report.rows.filter((r) => r.regression).length;
  const lines = unjudgedLines(report.unjudged);
  const count = (n: number, what: string) => (n === 0 ? [] : [`${n} ${what}${n === 1 ? '' : 's'}`]);
  const notJudged = [
    ...count(report.unjudged.filter((u) => u.cell !== null).length, 'cell'),
    ...count(report.unjudged.filter((u) => u.cell === null).length, 'variant'),
  ];
  return [
    '## concurrency-bench comparison',
    '',
    `base \`${base.runId}\` (${base.environment.gitSha ?? '?'}) → head \`${head.runId}\` (${head.environment.gitSha ?? '?'}): ` +
      (regressions === 0 ? 'no regression' : `**${regressions} regression${regressions === 1 ? '' : 's'}**`) +
      (notJudged.length === 0 ? '.' : `; ${notJudged.join(' and ')} could not be judged (below).`) +
      (underpoweredSummary(report) === '' ? '' : ` **${underpoweredSummary(report)}.**`),
    '',
    `| ${t[0]?.join(' | ')} |`,
    `| ${t[0]?.map(() => '---').join(' | ')} |`,
    ...t.slice(1).map((r) => `| ${r.join(' | ')} |`),
    '',
    footer(report.rows),
    '',
    ...(lines.length === 0 ? [] : ['### Not judged', '', ...lines.map((l) => `- ${l}`), '']),
  ].join('\n');
}
