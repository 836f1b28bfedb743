// cbench calibrate (Node core's benchmark/calibrate-n.js is the model): an A/A run of the chosen
// cells, this build against itself in pairs as the A/B gate samples them, and from its noise,
// per cell and metric, the coefficient of variation, the smallest change the run could have
// detected, and about how many pairs would reach each metric's regression threshold; then the
// `--repetitions` to ask of an A/B run, and what fits in a time budget.

import { mean, sampleStandardDeviation } from 'simple-statistics';
import { type ComparisonReport, METRICS } from '../analysis/compare.js';
import { formatDuration } from '../lib/format.js';
import { cellName, cellsOf, type Results } from '../results/results.js';

export interface CalibrationRow {
  variant: string;
  cell: string;
  metric: string;
  /** Standard deviation over mean of the samples, both sides together (one build), in percent. */
  cvPct: number;
  /** The minimum detectable change at this run's number of pairs. */
  mdcPct: number | null;
  thresholdPct: number;
  /** How many pairs would bring the minimum detectable change within the threshold, counting those the canary would leave out; null beyond 1,000. */
  pairsNeeded: number | null;
}

export interface Calibration {
  rows: CalibrationRow[];
  /** Pairs sampled per cell. */
  pairs: number;
  cells: number;
  /** Wall time per pair, start-ups and canaries included. */
  pairSec: number;
  /** The repetitions an A/B run needs for every gated metric's threshold (null: more than 1,000 for some). */
  repetitions: number | null;
  /** What fits in the budget, when one was given. */
  budget: { seconds: number; repetitions: number } | null;
  /** The repetitions to ask of an A/B run: those needed, within the budget when there is one, and no fewer than 6; for a script (CI) to pass to --repetitions. */
  suggestedRepetitions: number;
}

/** Fewer pairs than this cannot show much at any noise: the A/B run's own floor. */
const MIN_REPETITIONS = 6;

const cv = (xs: number[]) => (xs.length < 2 || mean(xs) === 0 ? 0 : (sampleStandardDeviation(xs) / mean(xs)) * 100);

/**
 * The calibration of an A/A run: its comparison, its two sides, how many pairs per cell and
 * cells it sampled, and how long it took. The pairs the A/B run will need are scaled up by the
 * share the canary left out here, as it will leave out as many there.
 */
export function calibrate(
  report: ComparisonReport,
  a: Results,
  b: Results,
  sampled: { pairs: number; cells: number },
  wallSec: number,
  budgetSec: number | null,
): Calibration {
  const rows: CalibrationRow[] = [];
  for (const r of report.rows) {
    if (!Number.isFinite(r.thresholdPct)) continue;
    const metric = METRICS.find((m) => m.key === r.metric);
    const cell = cellName(r);
    const sides = [a, b].flatMap((x) => cellsOf(x.variants.find((v) => v.name === r.variant) ?? { name: r.variant, status: 'not-run' }));
    const samples = sides
      .filter((c) => c.status === 'ok' && cellName(c) === cell)
      .flatMap((c) => (c.status === 'ok' && metric !== undefined ? metric.samples(c) : []));
    const kept = r.pairs === null ? 1 : r.pairs.used / Math.max(1, r.pairs.used + r.pairs.droppedForSpeed);
    const scaled = r.samplesNeeded === null ? null : Math.ceil(r.samplesNeeded / Math.max(kept, 1e-9));
    rows.push({
      variant: r.variant,
      cell,
      metric: metric?.label ?? r.metric,
      cvPct: cv(samples),
      mdcPct: r.mdcPct,
      thresholdPct: r.thresholdPct,
      pairsNeeded: scaled !== null && scaled > 1000 ? null : scaled,
    });
  }
  const { pairs, cells } = sampled;
  const pairSec = cells * pairs === 0 ? 0 : wallSec / (cells * pairs);
  const needed = rows.map((r) => r.pairsNeeded);
  const repetitions = needed.some((n) => n === null) ? null : Math.max(2, ...(needed as number[]));
  const budget = budgetSec === null || pairSec === 0 ? null : { seconds: budgetSec, repetitions: Math.floor(budgetSec / (cells * pairSec)) };
  const wanted = repetitions ?? 1000;
  return {
    rows,
    pairs,
    cells,
    pairSec,
    repetitions,
    budget,
    suggestedRepetitions: Math.max(MIN_REPETITIONS, budget === null ? wanted : Math.min(wanted, budget.repetitions)),
  };
}

/** The calibration's table and its suggestion, for the terminal. */
export function renderCalibration(c: Calibration, durationSec: number, warmupSec: number): { table: string[][]; advice: string[] } {
  const table = [
    ['variant', 'cell', 'metric', 'CV', `MDC at ${c.pairs} pairs`, 'threshold', 'pairs needed'],
    ...c.rows.map((r) => [
      r.variant,
      r.cell,
      r.metric,
      `${r.cvPct.toFixed(1)}%`,
      r.mdcPct === null ? '—' : `${r.mdcPct.toFixed(1)}%`,
      `${r.thresholdPct}%`,
      r.pairsNeeded === null ? '> 1000' : String(r.pairsNeeded),
    ]),
  ];
  const advice: string[] = [];
  const flags = (n: number) => `--repetitions ${n} --duration ${durationSec} --warmup ${warmupSec}`;
  const time = (n: number) => formatDuration(c.cells * n * c.pairSec);
  if (c.repetitions === null) {
    const worst = c.rows.filter((r) => r.pairsNeeded === null).map((r) => `${r.variant} ${r.cell} ${r.metric}`);
    advice.push(`more than 1,000 pairs would be needed for ${worst.join(', ')}: lengthen --duration, or accept a larger threshold there`);
  } else {
    advice.push(`suggested for an A/B run of these cells: ${flags(c.repetitions)} (about ${time(c.repetitions)} of sampling, plus building the base)`);
  }
  if (c.budget !== null) {
    const fit = c.budget.repetitions;
    if (fit < 2)
      advice.push(
        `within the budget of ${formatDuration(c.budget.seconds)}: not even 2 pairs per cell fit (${formatDuration(c.pairSec)} per pair); gate fewer cells`,
      );
    else if (c.repetitions !== null && fit >= c.repetitions)
      advice.push(`within the budget of ${formatDuration(c.budget.seconds)}: that fits (up to ${fit} pairs per cell would)`);
    else {
      const short = c.rows.filter((r) => r.pairsNeeded === null || r.pairsNeeded > fit).map((r) => `${r.variant} ${r.cell} ${r.metric}`);
      advice.push(
        `within the budget of ${formatDuration(c.budget.seconds)}: ${flags(fit)} (about ${time(fit)}); at that many pairs these would not be judged with enough power: ${short.join(', ')}`,
      );
    }
  }
  return { table, advice };
}
