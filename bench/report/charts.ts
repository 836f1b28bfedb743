// Charts as vega-lite specs, compiled to vega and rendered to SVG in Node (no browser).

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { repetitionBound } from '../analysis/saturation.js';
import { summarize } from '../lib/stats.js';
import { heavyShareOf } from '../plan/scenarios.js';
import { cellsOf, type Results } from '../results/results.js';
import { capacityTables, headline, heavyShareSeries, measured, routeTables, workloadTables } from './model.js';

/** A chart: its file name, a caption, and the SVG text. */
export interface Chart {
  file: string;
  title: string;
  svg: string;
}

const PERCENTILES = [
  ['p50', 'p50'],
  ['p90', 'p90'],
  ['p99', 'p99'],
  ['p99_9', 'p99.9'],
  ['p99_99', 'p99.99'],
] as const;

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

const facetConfig = { view: { stroke: '#ddd' }, font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 11 }, header: { labelFontSize: 12 } };

/**
 * One small chart per workload, side by side, each with its own y scale (their ranges differ by
 * orders of magnitude), and its own x scale too when x is a quantity that differs as much.
 */
function perWorkload(values: object[], workloadOrder: string[], spec: Record<string, unknown>, independentX = false): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values },
    facet: { column: { field: 'workload', type: 'nominal', title: null, sort: workloadOrder } },
    spec: { width: independentX ? 160 : 120, height: 180, ...spec },
    resolve: { scale: independentX ? { x: 'independent', y: 'independent' } : { y: 'independent' } },
    config: facetConfig,
  } as TopLevelSpec;
}

/** A bar per variant for `field`, with a whisker from `min` to `max`: a median and the spread of the repetitions. */
function barsWithWhiskers(field: string, title: string, variants: string[], color: object): Record<string, unknown> {
  return {
    layer: [
      { mark: 'bar', encoding: { x: { field: 'variant', type: 'nominal', axis: null, sort: variants }, y: { field, type: 'quantitative', title }, color } },
      {
        mark: { type: 'rule', color: '#333' },
        encoding: { x: { field: 'variant', type: 'nominal', sort: variants }, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } },
      },
    ],
  };
}

/** Rows of one kind only: the capacity charts keep a workload's curves and its reference lines in one data set, as a facet needs. */
const only = (kind: string) => [{ filter: { field: 'kind', equal: kind } }];

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
          variant: v.name,
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

export async function charts(results: Results): Promise<Chart[]> {
  const at = headline(results);
  const tables = workloadTables(results);
  const variants = results.variants.map((v) => v.name);
  const color = { field: 'variant', type: 'nominal', scale: { domain: variants }, legend: { title: 'variant', orient: 'bottom' } } as const;
  const out: Chart[] = [];
  // A run without workloads (the resilience profile's) has no cells to chart.
  if (results.settings.workloads.length === 0) return out;

  const rows = tables.flatMap((t) => measured(t, at).map((r) => ({ workload: t.workload, ...r })));
  const bars = rows.map((r) => ({
    workload: r.workload,
    variant: r.variant,
    rps: r.rps?.median ?? 0,
    min: r.rps?.min ?? 0,
    max: r.rps?.max ?? 0,
    cpu: r.cpuUs,
  }));

  out.push({
    file: 'throughput.svg',
    title: `Requests/s per variant, by workload (${at.connections} connections; median, whiskers min–max)`,
    svg: await render(perWorkload(bars, results.settings.workloads, barsWithWhiskers('rps', 'requests/s', variants, color))),
  });

  const spectrum = rows.flatMap((r) =>
    PERCENTILES.map(([key, label], i) => ({
      workload: r.workload,
      variant: r.variant,
      percentile: label,
      order: i,
      ms: Math.max(0.01, summarize(r.cell?.repetitions.map((x) => x.latencyMs[key]) ?? [0]).median),
    })),
  );
  out.push({
    file: 'latency.svg',
    title: `Latency percentiles p50 → p99.99 per variant, by workload (${at.connections} connections; log scale)`,
    svg: await render(
      perWorkload(spectrum, results.settings.workloads, {
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'percentile', type: 'ordinal', sort: PERCENTILES.map(([, l]) => l), title: null },
          y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'latency (ms)' },
          color,
        },
      }),
    ),
  });

  // A server whose process is not known (a target without its pid) has no bar, not a bar of 0.
  const cpuBars = bars.filter((b) => b.cpu !== undefined);
  if (cpuBars.length > 0)
    out.push({
      file: 'cpu.svg',
      title: `Server CPU µs per request per variant, by workload (${at.connections} connections)${cpuBars.length < bars.length ? '; a server whose process is not known has no bar' : ''}`,
      svg: await render(
        perWorkload(cpuBars, results.settings.workloads, {
          mark: 'bar',
          encoding: {
            x: { field: 'variant', type: 'nominal', axis: null, sort: variants },
            y: { field: 'cpu', type: 'quantitative', title: 'CPU µs / request' },
            color,
          },
        }),
      ),
    });

  if (results.settings.connections.length > 1) {
    const sweep = tables.flatMap((t) =>
      t.rows
        .filter((r) => r.status === 'ok' && r.rps !== undefined && r.pipelining === 1)
        .map((r) => ({ workload: t.workload, variant: r.variant, connections: r.connections, rps: r.rps?.median ?? 0 })),
    );
    out.push({
      file: 'connections.svg',
      title: 'Requests/s against connections per variant, by workload (pipelining 1; log x)',
      svg: await render(
        perWorkload(sweep, results.settings.workloads, {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'connections', type: 'quantitative', scale: { type: 'log' }, title: 'connections' },
            y: { field: 'rps', type: 'quantitative', title: 'requests/s' },
            color,
          },
        }),
      ),
    });
  }
  out.push(...(await routeCharts(results, color, variants)));
  out.push(...(await capacityCharts(results, color)));
  return out;
}
