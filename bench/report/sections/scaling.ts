// Worker-count scaling (a `--workers 1,2,4` or `--profile scaling` run): per workload, each
// model's throughput against its workers with the ideal line, its scaling efficiency, CPU per
// request, the kernel's share and memory per worker; where each stops scaling and why; and the
// counts this machine could not measure.

import type { TopLevelSpec } from 'vega-lite';
import { SCALING_EFFICIENCY_MIN, type Scaling, type ScalingCurve, type ScalingPoint, type StopReason, scalingOf } from '../../analysis/scaling.js';
import { formatTable, formatInt as int } from '../../lib/format.js';
import { notMeasurableText } from '../../plan/cpu-plan.js';
import type { Results } from '../../results/results.js';
import { headline, modelOf, pct } from '../facts.js';
import type { ReportSection, SectionFindings } from '../section.js';
import { type Column, tableBlock } from '../table.js';
import { type Chart, facetConfig, render } from '../vega.js';

const mib = (b: number | null) => (b === null ? '—' : (b / 1024 / 1024).toFixed(1));
const eff = (e: number | null) => (e === null ? '—' : pct(e));

/** The counts a run could not measure, in a few words: `2, 4 not measurable here (the server had 1 CPU)`. */
function notHere(s: Scaling): string {
  return `${s.notMeasurable.join(', ')} not measurable here (the server had ${s.serverCpus} CPU${s.serverCpus === 1 ? '' : 's'})`;
}

/** The scaling figures at the run's headline concurrency. */
function scaling(r: Results): Scaling | null {
  return scalingOf(r, headline(r));
}

/** Why a model stopped scaling, as a finding says it, in its model's terms. */
function whyText(why: StopReason, model: string | null): string {
  switch (why.kind) {
    case 'generator':
      return 'the load generator was saturated there, so the figure is a floor: give it more CPUs (--loadgen-cpus) to see the server’s limit';
    case 'shared':
      return (
        `not pinned, the workers and the load generator (${why.loadgenCpus.toFixed(2)} of a CPU) kept the machine's ${why.cpus} CPUs ${pct(why.machineBusy)} busy ` +
        'between them, so the workers never had them all: measure pinned, on a machine with CPUs for both'
      );
    case 'idle-cpus':
      return (
        `the server used only ${pct(why.serverCpuShare)} of its CPUs: the work did not reach every worker` +
        (model === 'multi-process'
          ? " (the primary hands connections out round robin as they open; with keep-alive connections a worker's share is fixed at connect)"
          : model === 'thread-pool' || model === 'event-loop+pool'
            ? ' (one event loop hands every request to the pool and takes its answer back: that loop is the limit)'
            : '')
      );
    case 'cost': {
      const kernel =
        why.kernelFrom !== null && why.kernelTo !== null && why.kernelTo > why.kernelFrom + 0.05
          ? `; the kernel's share of the server's CPU rose from ${pct(why.kernelFrom)} to ${pct(why.kernelTo)}`
          : '';
      return (
        `its CPU per request grew from ${why.fromUs.toFixed(1)} to ${why.toUs.toFixed(1)} µs` +
        (model === 'thread-pool' || model === 'event-loop+pool' ? " (the pool's hand-over between the loop and its threads)" : '') +
        kernel
      );
    }
    case 'unexplained':
      return 'its CPUs were busy and its CPU per request held: the figures do not say why (a shared machine, or memory bandwidth)';
  }
}

/** One curve's finding. */
function curveFinding(r: Results, c: ScalingCurve): string | null {
  const last = c.points.at(-1) as ScalingPoint;
  const model = modelOf(r, c.variant);
  const one = c.points.find((p) => p.workers === 1);
  if (c.points.length < 2 || one === undefined) return null;
  const grew = last.rps.median / one.rps.median;
  const offloadNote =
    model === 'event-loop+pool' && grew < 1.15 ? ': its pool takes only the heavy requests, and this workload has none, so one event loop serves it all' : '';
  if (c.stop === null)
    return `${c.workload}: ${c.variant} scaled to ${last.workers} workers: ${int(last.rps.median)} req/s, ${eff(last.efficiency)} of ${last.workers} × its 1-worker ${int(one.rps.median)} req/s.`;
  return (
    `${c.workload}: ${c.variant} stops scaling at ${c.stop.workers} workers: ${int(c.points.find((p) => p.workers === c.stop?.workers)?.rps.median ?? 0)} req/s, ` +
    `${eff(c.stop.efficiency)} of the ideal ${c.stop.workers} × ${int(one.rps.median)}${offloadNote === '' ? `; ${whyText(c.stop.why, model)}` : offloadNote}.`
  );
}

function scalingFindings(r: Results): SectionFindings {
  const s = scaling(r);
  if (s === null) return { findings: [], caveats: [] };
  const findings = s.curves.map((c) => curveFinding(r, c)).filter((f): f is string => f !== null);
  const caveats: string[] = [];
  if (s.notMeasurable.length > 0 && s.serverCpus !== null)
    caveats.push(
      `Scaling: not measured here: ${notMeasurableText(s.notMeasurable, { cpus: r.environment.cpus, server: s.serverCpus, pinned: s.pinned ?? false })}.`,
    );
  const single = s.curves.filter((c) => c.points.length < 2);
  const byVariant = [...new Set(single.map((c) => c.variant))].map(
    (v) =>
      `${v} (${single
        .filter((c) => c.variant === v)
        .map((c) => c.workload)
        .join(', ')})`,
  );
  if (byVariant.length > 0) caveats.push(`Scaling: one worker count only, so no curve to judge, for ${byVariant.join('; ')}.`);
  if (s.pinned === false)
    caveats.push(
      'Scaling: not pinned, the workers shared their CPUs with the load generator, so an efficiency below the ideal may be the generator’s doing as much as the model’s.',
    );
  return { findings, caveats };
}

/** A row of the scaling table. */
interface Row {
  workload: string;
  variant: string;
  p: ScalingPoint;
  reference: number | undefined;
}

const COLUMNS: Array<Column<Row>> = [
  { head: 'workload', text: (x) => x.workload, value: (x) => x.workload },
  { head: 'variant', text: (x) => x.variant, value: (x) => x.variant },
  { head: 'workers', text: (x) => String(x.p.workers), value: (x) => x.p.workers },
  { head: 'req/s', text: (x) => int(x.p.rps.median) + (x.p.clientBound ? '*' : ''), value: (x) => x.p.rps.median },
  { head: 'ideal', text: (x) => (x.p.idealRps === null ? '—' : int(x.p.idealRps)), value: (x) => x.p.idealRps ?? -1 },
  { head: 'efficiency', text: (x) => eff(x.p.efficiency), value: (x) => x.p.efficiency ?? -1 },
  {
    head: 'vs one loop',
    text: (x) => (x.reference === undefined || x.reference <= 0 ? '—' : `${(x.p.rps.median / x.reference).toFixed(2)}×`),
    value: (x) => (x.reference === undefined ? -1 : x.p.rps.median / x.reference),
  },
  { head: 'CPU µs/req', text: (x) => (x.p.cpuUsPerRequest === null ? '—' : x.p.cpuUsPerRequest.toFixed(1)), value: (x) => x.p.cpuUsPerRequest ?? -1 },
  { head: 'kernel share', text: (x) => (x.p.kernelShare === null ? '—' : pct(x.p.kernelShare)), value: (x) => x.p.kernelShare ?? -1 },
  { head: 'server CPU', text: (x) => (x.p.serverCpuShare === null ? '—' : pct(x.p.serverCpuShare)), value: (x) => x.p.serverCpuShare ?? -1 },
  { head: 'MiB/worker', text: (x) => mib(x.p.rssPerWorkerBytes), value: (x) => x.p.rssPerWorkerBytes ?? -1 },
];

function rowsOf(s: Scaling): Row[] {
  return s.curves.flatMap((c) =>
    c.points.map((p) => ({ workload: c.workload, variant: c.variant, p, reference: s.reference.find((x) => x.workload === c.workload)?.rps })),
  );
}

/**
 * The scaling chart's spec: per workload, each model's curve, its ideal (dashed), and the single
 * event loop's throughput (a rule); coloured by the variants' own names (a curve is a variant's
 * counts, not one count's), in the run's order. Null when no model has a curve.
 */
export function scalingSpec(r: Results): TopLevelSpec | null {
  const s = scaling(r);
  if (s === null || s.curves.every((c) => c.points.length < 2)) return null;
  const values = [
    ...s.curves.flatMap((c) => c.points.map((p) => ({ kind: 'measured', workload: c.workload, variant: c.variant, workers: p.workers, rps: p.rps.median }))),
    ...s.curves.flatMap((c) =>
      c.points.flatMap((p) => (p.idealRps === null ? [] : [{ kind: 'ideal', workload: c.workload, variant: c.variant, workers: p.workers, rps: p.idealRps }])),
    ),
    ...s.reference.map((x) => ({ kind: 'reference', workload: x.workload, variant: x.variant, rps: x.rps })),
  ];
  const drawn = new Set(values.map((v) => v.variant));
  const color = {
    field: 'variant',
    type: 'nominal',
    scale: { domain: r.variants.map((v) => v.name).filter((n) => drawn.has(n)) },
    legend: { title: 'variant', orient: 'bottom' },
  };
  const x = { field: 'workers', type: 'quantitative', title: 'workers', scale: { zero: false } };
  const y = { field: 'rps', type: 'quantitative', title: 'req/s' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values },
    facet: { field: 'workload', type: 'nominal', title: null, sort: r.settings.workloads },
    columns: 3,
    spec: {
      width: 200,
      height: 180,
      layer: [
        { transform: [{ filter: { field: 'kind', equal: 'measured' } }], mark: { type: 'line', point: true }, encoding: { x, y, color } },
        { transform: [{ filter: { field: 'kind', equal: 'ideal' } }], mark: { type: 'line', strokeDash: [4, 3], opacity: 0.6 }, encoding: { x, y, color } },
        { transform: [{ filter: { field: 'kind', equal: 'reference' } }], mark: { type: 'rule', strokeDash: [1, 2] }, encoding: { y, color } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: facetConfig,
  } as TopLevelSpec;
}

/** Throughput against workers per workload (scalingSpec). */
async function scalingCharts(r: Results): Promise<Chart[]> {
  const spec = scalingSpec(r);
  if (spec === null) return [];
  return [
    {
      file: 'scaling.svg',
      title: 'Throughput against workers: measured (solid), ideal = workers × the 1-worker throughput (dashed), the single event loop (dotted rule)',
      svg: await render(spec),
    },
  ];
}

export const scalingSection: ReportSection = {
  id: 'scaling',
  figureOrder: 1.5,
  header: (r) => {
    const s = scaling(r);
    if (s === null) return [];
    const measured = [...new Set(s.curves.flatMap((c) => c.points.map((p) => p.workers)))].sort((a, b) => a - b);
    return [`scaling: workers ${measured.join(', ') || 'none'} measured${s.notMeasurable.length === 0 ? '' : `; ${notHere(s)}`}`];
  },
  findings: scalingFindings,
  tables: (r) => {
    const s = scaling(r);
    if (s === null) return { blocks: [] };
    const rows = rowsOf(s);
    return {
      title: 'Scaling with workers',
      intro:
        `Throughput at each worker count, against the ideal (workers × the 1-worker throughput); efficiency is the ratio, and below ${pct(SCALING_EFFICIENCY_MIN)} a model has stopped scaling. ` +
        'CPU per request and the kernel’s share of it are the server’s; memory is the peak RSS of its processes divided by its workers. * marks a floor (the load generator saturated).' +
        (s.notMeasurable.length === 0 ? '' : ` Workers ${notHere(s)}.`),
      blocks: rows.length === 0 ? [] : [tableBlock('', undefined, COLUMNS, rows, (x) => x.p.efficiency !== null && x.p.efficiency < SCALING_EFFICIENCY_MIN)],
    };
  },
  charts: scalingCharts,
  terminal: (r) => {
    const s = scaling(r);
    if (s === null) return '';
    const rows = rowsOf(s);
    const table =
      rows.length === 0
        ? ''
        : formatTable(
            [
              ['workload', 'variant', 'workers', 'req/s', 'efficiency'],
              ...rows.map((x) => [x.workload, x.variant, String(x.p.workers), int(x.p.rps.median), eff(x.p.efficiency)]),
            ],
            (i) => i >= 2,
          );
    const missing = s.notMeasurable.length === 0 ? '' : `workers ${notHere(s)}`;
    return [table, missing].filter((x) => x !== '').join('\n');
  },
};
