// cbench compare BASE HEAD: for every cell in both runs and every metric, the change of the
// median, a bootstrap interval of that change, a p-value corrected for the number of
// comparisons (Holm), and whether the change is a regression worth failing a build for.

import { capacityRange } from './capacity.js';
import { formatTable } from './format.js';
import { type CellResult, cellsOf, type OkCell, type Repetition, type Results, whyNot } from './results.js';
import { GENERATOR_BOUND_NOTE } from './saturation.js';
import { bootstrapChangeCI, holm, mannWhitneyU, stars, summarize, welchTTest } from './stats.js';
import type { Thresholds } from './thresholds.js';

/** A metric compared between runs, and which direction is worse. */
interface Metric {
  key: keyof Thresholds;
  label: string;
  /** Its samples in a cell, one per repetition; unknown values are left out. */
  samples: (c: OkCell) => number[];
  /** +1: a rise is a regression; -1: a fall is. */
  worse: 1 | -1;
}

const perRepetition = (value: (r: Repetition) => number | null) => (c: OkCell) => c.repetitions.map(value).filter((x): x is number => x !== null);

export const METRICS: Metric[] = [
  { key: 'requestsPerSec', label: 'req/s', samples: perRepetition((r) => r.requestsPerSec), worse: -1 },
  { key: 'latencyP99Ms', label: 'p99', samples: perRepetition((r) => r.latencyMs.p99), worse: 1 },
  { key: 'serverCpuUsPerRequest', label: 'CPU/req', samples: perRepetition((r) => r.serverCpuUsPerRequest), worse: 1 },
  { key: 'serverPeakRssBytes', label: 'peak RSS', samples: perRepetition((r) => r.serverPeakRssBytes), worse: 1 },
  // A sweep's capacity from each repetition index alone gives as many samples as repetitions per
  // rate; a repetition in which no rate kept up had a capacity of 0.
  { key: 'capacityRps', label: 'capacity', samples: (c) => c.sweep?.capacityByRepetition.map((x) => x ?? 0) ?? [], worse: -1 },
];

export interface Comparison {
  variant: string;
  workload: string;
  connections: number;
  pipelining: number;
  metric: string;
  baseMedian: number;
  headMedian: number;
  /** Percent change of the median. */
  changePct: number;
  ci: [number, number];
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
  test: 'welch' | 'mann-whitney';
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

const cellName = (c: CellResult) => `${c.workload} c=${c.connections} p=${c.pipelining}`;
const median = (xs: number[]) => summarize(xs).median;

export function compare(base: Results, head: Results, opts: CompareOptions): ComparisonReport {
  const rows: Array<Omit<Comparison, 'pAdjusted' | 'stars' | 'regression'>> = [];
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
      // A client-bound figure is a floor. When the head's is, it may hide a server that is as fast
      // as before, so nothing is concluded. When only the base's is, the base was at least that
      // good, so a significant drop in the head is still a proven regression.
      const excluded = hc.clientBound ? 'client-bound: the figures are floors' : undefined;
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
        compared++;
        const bm = median(bs);
        const hm = median(hs);
        const p = opts.test === 'welch' ? welchTTest(bs, hs).p : mannWhitneyU(bs, hs).p;
        const ci = bootstrapChangeCI(bs, hs, { seed: opts.seed });
        rows.push({
          variant: name,
          workload: hc.workload,
          connections: hc.connections,
          pipelining: hc.pipelining,
          metric: m.key,
          baseMedian: bm,
          headMedian: hm,
          changePct: bm === 0 ? 0 : ((hm - bm) / bm) * 100,
          ci: [ci[0] * 100, ci[1] * 100],
          p,
          ...(m.key === 'capacityRps' ? capacityVerdict(bc, hc) : excluded === undefined ? {} : { excluded }),
        });
      }
      if (compared === 0)
        unjudged.push({ variant: name, cell, reason: `fewer than 2 repetitions (base ${bc.repetitions.length}, head ${hc.repetitions.length})` });
    }
  }
  const adjusted = holm(rows.map((r) => r.p));
  return {
    rows: rows.map((r, i) => {
      const pAdjusted = adjusted[i] as number;
      const metric = METRICS.find((m) => m.key === r.metric) as Metric;
      const worseBy = r.changePct * metric.worse;
      // Capacities fall on the sweep's rates, so a few repetitions often agree exactly and no rank
      // test can reach significance; they are judged by whether their ranges part instead.
      const shown = r.metric === 'capacityRps' ? r.separated === true : pAdjusted < 0.05;
      const regression = r.excluded === undefined && shown && worseBy > opts.thresholds[metric.key];
      return { ...r, pAdjusted, stars: stars(pAdjusted), regression };
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

function table(rows: Comparison[]): string[][] {
  const head = ['variant', 'workload', 'conn', 'pipe', 'metric', 'base', 'head', 'change', '95% CI', 'p (Holm)', '', 'verdict'];
  return [
    head,
    ...rows.map((r) => [
      r.variant,
      r.workload,
      String(r.connections),
      String(r.pipelining),
      METRICS.find((m) => m.key === r.metric)?.label ?? r.metric,
      r.baseMedian.toFixed(r.baseMedian >= 100 ? 0 : 2),
      r.headMedian.toFixed(r.headMedian >= 100 ? 0 : 2),
      pct(r.changePct),
      `${pct(r.ci[0])} … ${pct(r.ci[1])}`,
      r.pAdjusted < 0.001 ? '<0.001' : r.pAdjusted.toFixed(3),
      r.stars,
      r.regression ? 'REGRESSION' : r.excluded !== undefined ? `not judged (${r.excluded})` : '',
    ]),
  ];
}

/** How many false positives to expect, and what Holm's correction makes of that. */
export function footer(n: number): string {
  return (
    `${n} comparisons. Uncorrected, about ${(n * 0.05).toFixed(1)} of them would be false positives at *, ${(n * 0.01).toFixed(2)} at ** and ` +
    `${(n * 0.001).toFixed(3)} at ***; after Holm's correction the chance of even one false positive is at most 5%, 1% and 0.1%. ` +
    '* p < 0.05, ** p < 0.01, *** p < 0.001 (adjusted). A regression is a significant change beyond its threshold in the worse direction.'
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
    footer(report.rows.length),
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
      (notJudged.length === 0 ? '.' : `; ${notJudged.join(' and ')} could not be judged (below).`),
    '',
    `| ${t[0]?.join(' | ')} |`,
    `| ${t[0]?.map(() => '---').join(' | ')} |`,
    ...t.slice(1).map((r) => `| ${r.join(' | ')} |`),
    '',
    footer(report.rows.length),
    '',
    ...(lines.length === 0 ? [] : ['### Not judged', '', ...lines.map((l) => `- ${l}`), '']),
  ].join('\n');
}
