// A measured cell from its repetitions: the median, min and max of each figure, per request of a
// mix too, and which side was saturated. The harness (run/measure.ts) and the report's fixtures
// make cells with it alike.

import { summarize } from '../lib/stats.js';
import type { Bottleneck, CellResult, OkCell, Repetition, RouteSummary } from '../results/results.js';
import { bottleneckOf, generatorSaturated } from './saturation.js';

/** A cell's identity in the results. */
export type CellKey = Pick<CellResult, 'workload' | 'connections' | 'pipelining'> & { workers?: number | null | undefined };

/** Median, min and max of a figure some repetitions may lack; null when none has it. */
function summarizeSome(values: Array<number | null | undefined>) {
  const present = values.filter((v): v is number => typeof v === 'number');
  return present.length === 0 ? null : summarize(present);
}

/** Worst first: a cell takes the first of these that any of its repetitions had. */
const BOTTLENECK_ORDER: readonly Bottleneck[] = ['loadgen', 'both', 'server', 'neither'];

/**
 * A measured cell from its (one or more) repetitions: median, min and max of each figure, and
 * which side was saturated: the worst of its repetitions', so one repetition the generator held
 * back makes the cell client-bound (a floor) rather than disappearing into a median.
 */
export function cellFromRepetitions(key: CellKey, repetitions: Repetition[]): OkCell {
  if (repetitions.length === 0) throw new Error('cellFromRepetitions: a measured cell has at least one repetition');
  const each = repetitions.flatMap((r) => (r.serverCpuShare === null ? [] : [bottleneckOf(r.loadgenCpuShare, r.serverCpuShare)]));
  const bottleneck = each.length === 0 ? null : (BOTTLENECK_ORDER.find((b) => each.includes(b)) ?? null);
  return {
    ...key,
    workers: key.workers ?? null,
    status: 'ok',
    clientBound: bottleneck === null ? repetitions.some(generatorSaturated) : bottleneck === 'loadgen',
    bottleneck,
    repetitions,
    summary: summaryOf(repetitions),
    sweep: null,
    capacityRps: null,
  };
}

/** Median, min and max of each figure over some repetitions (at least one). */
export function summaryOf(repetitions: Repetition[]): OkCell['summary'] {
  const pick = (f: (r: Repetition) => number) => summarize(repetitions.map(f));
  return {
    requestsPerSec: pick((r) => r.requestsPerSec),
    latencyP50Ms: pick((r) => r.latencyMs.p50),
    latencyP99Ms: pick((r) => r.latencyMs.p99),
    latencyP99_9Ms: pick((r) => r.latencyMs.p99_9),
    serverCpuUsPerRequest: summarizeSome(repetitions.map((r) => r.serverCpuUsPerRequest)),
    serverPeakRssBytes: summarizeSome(repetitions.map((r) => r.serverPeakRssBytes)),
    loadgenCpuShare: pick((r) => r.loadgenCpuShare),
    serverCpuShare: summarizeSome(repetitions.map((r) => r.serverCpuShare)),
    fairnessJain: summarizeSome(repetitions.map((r) => r.fairness?.jain)),
    firstResponseP99Ms: summarizeSome(repetitions.map((r) => r.firstResponseMs?.p99)),
    firstResponseMaxMs: summarizeSome(repetitions.map((r) => r.firstResponseMs?.max)),
    errors: repetitions.reduce((n, r) => n + r.errors + r.timeouts + r.resets, 0),
    routes: routeSummaries(repetitions),
  };
}

/**
 * Per request of the mix over the repetitions, matched by label: the counts summed, each
 * percentile's median, min and max. A request no repetition answered has no latency to give and
 * is left out; null when some repetition has no per-route figures.
 */
function routeSummaries(repetitions: Repetition[]): RouteSummary[] | null {
  const per = repetitions.map((r) => r.routes);
  if (per.some((r) => r === null)) return null;
  const labels = [...new Set(per.flatMap((rs) => (rs ?? []).map((r) => r.label)))];
  return labels.flatMap((label) => {
    const samples = per.flatMap((rs) => (rs ?? []).filter((r) => r.label === label));
    const answered = samples.filter((r) => r.requests > 0);
    if (answered.length === 0) return [];
    const pick = (f: (l: (typeof samples)[number]['latencyMs']) => number) => summarize(answered.map((r) => f(r.latencyMs)));
    return [
      {
        label,
        requests: samples.reduce((n, r) => n + r.requests, 0),
        non2xx: samples.reduce((n, r) => n + r.non2xx, 0),
        latencyP50Ms: pick((l) => l.p50),
        latencyP99Ms: pick((l) => l.p99),
        latencyP99_9Ms: pick((l) => l.p99_9),
      },
    ];
  });
}
