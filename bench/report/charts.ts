// Charts as vega-lite specs, compiled to vega and rendered to SVG in Node (no browser).

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Results } from '../results.js';
import { summarize } from '../stats.js';
import { headline, measured, workloadTables } from './model.js';

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

/** One small chart per workload, side by side, each with its own y scale (their ranges differ by orders of magnitude). */
function perWorkload(values: object[], workloadOrder: string[], spec: Record<string, unknown>): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values },
    facet: { column: { field: 'workload', type: 'nominal', title: null, sort: workloadOrder } },
    spec: { width: 120, height: 180, ...spec },
    resolve: { scale: { y: 'independent' } },
    config: facetConfig,
  } as TopLevelSpec;
}

export async function charts(results: Results): Promise<Chart[]> {
  const at = headline(results);
  const tables = workloadTables(results);
  const variants = results.variants.map((v) => v.name);
  const color = { field: 'variant', type: 'nominal', scale: { domain: variants }, legend: { title: 'variant', orient: 'bottom' } } as const;
  const out: Chart[] = [];

  const rows = tables.flatMap((t) => measured(t, at).map((r) => ({ workload: t.workload, ...r })));
  const bars = rows.map((r) => ({
    workload: r.workload,
    variant: r.variant,
    rps: r.rps?.median ?? 0,
    min: r.rps?.min ?? 0,
    max: r.rps?.max ?? 0,
    cpu: r.cpuUs ?? 0,
  }));

  out.push({
    file: 'throughput.svg',
    title: `Requests/s per variant, by workload (${at.connections} connections; median, whiskers min–max)`,
    svg: await render(
      perWorkload(bars, results.settings.workloads, {
        layer: [
          {
            mark: 'bar',
            encoding: {
              x: { field: 'variant', type: 'nominal', axis: null, sort: variants },
              y: { field: 'rps', type: 'quantitative', title: 'requests/s' },
              color,
            },
          },
          {
            mark: { type: 'rule', color: '#333' },
            encoding: { x: { field: 'variant', type: 'nominal', sort: variants }, y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } },
          },
        ],
      }),
    ),
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

  out.push({
    file: 'cpu.svg',
    title: `Server CPU µs per request per variant, by workload (${at.connections} connections)`,
    svg: await render(
      perWorkload(bars, results.settings.workloads, {
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
  return out;
}
