// Charts as vega-lite specs, compiled to vega and rendered to SVG in Node (no browser): the
// pieces every section's charts are made of.

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { cellsOf, type Results, rowLabel } from '../results/results.js';

/** A chart: its file name, a caption, and the SVG text. */
export interface Chart {
  file: string;
  title: string;
  svg: string;
}

export async function render(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export const facetConfig = { view: { stroke: '#ddd' }, font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 11 }, header: { labelFontSize: 12 } };

/**
 * How many small charts a row holds: a row of them, with their axes and the legend's width, fits
 * a report page read in a window 1,280 pixels wide (the HTML page is at most 1,200 wide).
 */
export const CHARTS_PER_ROW = { narrow: 5, wide: 4 } as const;

/**
 * One small chart per workload, side by side and wrapping into rows, each with its own y scale
 * (their ranges differ by orders of magnitude), and its own x scale too when x is a quantity that
 * differs as much.
 */
export function perWorkload(values: object[], workloadOrder: string[], spec: Record<string, unknown>, independentX = false): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values },
    facet: { field: 'workload', type: 'nominal', title: null, sort: workloadOrder },
    columns: independentX ? CHARTS_PER_ROW.wide : CHARTS_PER_ROW.narrow,
    spec: { width: independentX ? 160 : 120, height: 180, ...spec },
    resolve: { scale: independentX ? { x: 'independent', y: 'independent' } : { y: 'independent' } },
    config: facetConfig,
  } as TopLevelSpec;
}

/** A bar per variant for `field`, with a whisker from `min` to `max`: a median and the spread of the repetitions. */
export function barsWithWhiskers(field: string, title: string, variants: string[], color: object): Record<string, unknown> {
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
export const only = (kind: string) => [{ filter: { field: 'kind', equal: kind } }];

/** The contenders of a run's charts, in its order: each variant, or each of its worker counts (`cluster ×4`) when the run chose them. */
export function contenders(results: Pick<Results, 'variants'>): string[] {
  return [
    ...new Set(
      results.variants.flatMap((v) => {
        const cells = cellsOf(v);
        return cells.length === 0 ? [v.name] : cells.map((c) => rowLabel(v, c));
      }),
    ),
  ];
}

/** Each variant's colour (each worker count's, when the run chose them), the same in every chart of a run, with its legend below. */
export function colorOf(results: Pick<Results, 'variants'>) {
  const variants = contenders(results);
  return { field: 'variant', type: 'nominal', scale: { domain: variants }, legend: { title: 'variant', orient: 'bottom' } } as const;
}

/** A chart's colour encoding (colorOf). */
export type Color = ReturnType<typeof colorOf>;
