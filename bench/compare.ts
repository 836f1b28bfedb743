// cbench compare BASE HEAD: for every cell in both runs and every metric, the change of the
// median, a bootstrap interval of that change, a p-value corrected for the number of
// comparisons (Holm), and whether the change is a regression worth failing a build for.

import { type CellResult, type Repetition, type Results, summarize } from './results.js';
import { bootstrapChangeCI, holm, mannWhitneyU, stars, welchTTest } from './stats.js';
import type { Thresholds } from './thresholds.js';

/** A metric compared between runs, and which direction is worse. */
interface Metric {
  key: 'requestsPerSec' | 'latencyP99Ms' | 'serverCpuUsPerRequest' | 'serverPeakRssBytes';
  label: string;
  value: (r: Repetition) => number | null;
  /** +1: a rise is a regression; -1: a fall is. */
  worse: 1 | -1;
}

export const METRICS: Metric[] = [
  { key: 'requestsPerSec', label: 'req/s', value: (r) => r.requestsPerSec, worse: -1 },
  { key: 'latencyP99Ms', label: 'p99', value: (r) => r.latencyMs.p99, worse: 1 },
  { key: 'serverCpuUsPerRequest', label: 'CPU/req', value: (r) => r.serverCpuUsPerRequest, worse: 1 },
  { key: 'serverPeakRssBytes', label: 'peak RSS', value: (r) => r.serverPeakRssBytes, worse: 1 },
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
  regression: boolean;
}

export interface CompareOptions {
  test: 'welch' | 'mann-whitney';
  thresholds: Thresholds;
  seed: number;
}

const key = (v: string, c: CellResult) => `${v}|${c.workload}|${c.connections}|${c.pipelining}`;
const median = (xs: number[]) => summarize(xs).median;

export function compare(base: Results, head: Results, opts: CompareOptions): Comparison[] {
  const baseCells = new Map<string, CellResult>();
  for (const v of base.variants) for (const c of v.cells) baseCells.set(key(v.name, c), c);
  const rows: Array<Omit<Comparison, 'pAdjusted' | 'stars' | 'regression'>> = [];
  for (const v of head.variants) {
    for (const h of v.cells) {
      const b = baseCells.get(key(v.name, h));
      if (b === undefined) continue;
      // A client-bound figure is a floor. When the head's is, it may hide a server that is as fast
      // as before, so nothing is concluded. When only the base's is, the base was at least that
      // good, so a significant drop in the head is still a proven regression.
      const excluded = b.status !== 'ok' || h.status !== 'ok' ? 'invalid cell' : h.clientBound ? 'client-bound: the figures are floors' : undefined;
      for (const m of METRICS) {
        const bs = b.repetitions.map(m.value).filter((x): x is number => x !== null);
        const hs = h.repetitions.map(m.value).filter((x): x is number => x !== null);
        if (bs.length < 2 || hs.length < 2) continue;
        const bm = median(bs);
        const hm = median(hs);
        const p = opts.test === 'welch' ? welchTTest(bs, hs).p : mannWhitneyU(bs, hs).p;
        const ci = bootstrapChangeCI(bs, hs, { seed: opts.seed });
        rows.push({
          variant: v.name,
          workload: h.workload,
          connections: h.connections,
          pipelining: h.pipelining,
          metric: m.key,
          baseMedian: bm,
          headMedian: hm,
          changePct: bm === 0 ? 0 : ((hm - bm) / bm) * 100,
          ci: [ci[0] * 100, ci[1] * 100],
          p,
          ...(excluded === undefined ? {} : { excluded }),
        });
      }
    }
  }
  const adjusted = holm(rows.map((r) => r.p));
  return rows.map((r, i) => {
    const pAdjusted = adjusted[i] as number;
    const metric = METRICS.find((m) => m.key === r.metric) as Metric;
    const worseBy = r.changePct * metric.worse;
    const regression = r.excluded === undefined && pAdjusted < 0.05 && worseBy > opts.thresholds[metric.key];
    return { ...r, pAdjusted, stars: stars(pAdjusted), regression };
  });
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

export function renderTerminal(rows: Comparison[]): string {
  const t = table(rows);
  const widths = t[0]!.map((_, i) => Math.max(...t.map((r) => (r[i] ?? '').length)));
  return [
    ...t.map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    ),
    '',
    footer(rows.length),
  ].join('\n');
}

export function renderMarkdown(rows: Comparison[], base: Results, head: Results): string {
  const t = table(rows);
  const regressions = rows.filter((r) => r.regression).length;
  return [
    '## concurrency-bench comparison',
    '',
    `base \`${base.runId}\` (${base.environment.gitSha ?? '?'}) → head \`${head.runId}\` (${head.environment.gitSha ?? '?'}): ` +
      (regressions === 0 ? 'no regression.' : `**${regressions} regression${regressions === 1 ? '' : 's'}**.`),
    '',
    `| ${t[0]!.join(' | ')} |`,
    `| ${t[0]!.map(() => '---').join(' | ')} |`,
    ...t.slice(1).map((r) => `| ${r.join(' | ')} |`),
    '',
    footer(rows.length),
    '',
  ].join('\n');
}
