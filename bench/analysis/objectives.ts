// Absolute objectives (`--threshold`, as k6's thresholds and Artillery's `ensure`): expressions
// over a cell's measured figures, such as `json:p99<20ms`, `plaintext:rps>40000` or
// `*:errors==0`, each checked on every cell it names. A run with one that fails exits 99 (k6's
// code), apart from a usage error (2) or a crash (1).
//
// Grammar: [SELECTOR:]METRIC OP NUMBER[UNIT]. SELECTOR is `*` (the default), a workload, a
// variant, or variant/workload. OP is <, <=, >, >=, == or !=.

import { summarize } from '../lib/stats.js';
import { cellName, cellsOf, type ObjectiveResult, type OkCell, type Results } from '../results/results.js';

type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** The figures an objective can name, and the units each accepts (`''`: a bare number; a metric without it needs a unit). */
const METRICS = {
  rps: { what: 'requests/s (in a capacity run: the capacity)', units: { '': 1 } },
  capacity: { what: 'capacity at the latency objective, req/s (capacity runs)', units: { '': 1 } },
  p50: { what: 'latency p50', units: { ms: 1, us: 1e-3, µs: 1e-3, s: 1e3 } },
  p90: { what: 'latency p90', units: { ms: 1, us: 1e-3, µs: 1e-3, s: 1e3 } },
  p99: { what: 'latency p99', units: { ms: 1, us: 1e-3, µs: 1e-3, s: 1e3 } },
  'p99.9': { what: 'latency p99.9', units: { ms: 1, us: 1e-3, µs: 1e-3, s: 1e3 } },
  errors: { what: 'errors, timeouts and resets, summed', units: { '': 1 } },
  non2xx: { what: 'answers not 2xx, summed', units: { '': 1 } },
  cpu: { what: "the server's CPU per request", units: { µs: 1, us: 1 } },
  rss: { what: "the server's peak RSS", units: { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 } },
} as const satisfies Record<string, { what: string; units: Record<string, number> }>;

export type ObjectiveMetric = keyof typeof METRICS;

/** A parsed `--threshold`: its value in the metric's base unit (ms, µs, bytes, req/s, a count). */
export interface Objective {
  expression: string;
  selector: string;
  metric: ObjectiveMetric;
  op: Op;
  value: number;
}

/** A cell's figures in the metric's base units; null where not measured. */
export type Figures = Record<ObjectiveMetric, number | null>;

const GRAMMAR = /^(?:([^:<>=!]+):)?\s*([a-z0-9.]+)\s*(<=|>=|==|!=|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?(?:e[0-9]+)?)\s*([a-zA-Zµ]*)$/;

/** Parses one expression; throws an Error with a one-line message naming what is wrong. */
export function parseObjective(expression: string): Objective {
  const m = GRAMMAR.exec(expression.trim());
  if (m === null) throw new Error(`'${expression}' is not [SELECTOR:]METRIC OP NUMBER[UNIT], e.g. 'json:p99<20ms' or '*:errors==0'`);
  const [, selector = '*', name = '', op = '', number = '', unit = ''] = m;
  if (!(name in METRICS)) throw new Error(`'${expression}': unknown metric '${name}' (one of ${Object.keys(METRICS).join(', ')})`);
  const metric = name as ObjectiveMetric;
  const units: Record<string, number> = METRICS[metric].units;
  const factor = units[unit];
  if (factor === undefined) {
    const allowed = Object.keys(units).filter((u) => u !== '');
    throw new Error(
      `'${expression}': ${metric} ${allowed.length === 0 ? 'takes no unit' : `takes ${allowed.join(', ')}`}${unit === '' ? ', and needs one' : `, not '${unit}'`}`,
    );
  }
  return { expression: expression.trim(), selector: selector.trim(), metric, op: op as Op, value: Number(number) * factor };
}

/** A measured cell's figures (median over its repetitions; counts summed). */
export function cellFigures(c: OkCell): Figures {
  const capacity = c.sweep === null ? null : c.capacityRps;
  return {
    rps: c.sweep === null ? c.summary.requestsPerSec.median : capacity,
    capacity,
    p50: c.summary.latencyP50Ms.median,
    p90: c.repetitions.length === 0 ? null : summarize(c.repetitions.map((r) => r.latencyMs.p90)).median,
    p99: c.summary.latencyP99Ms.median,
    'p99.9': c.summary.latencyP99_9Ms.median,
    errors: c.summary.errors,
    non2xx: c.repetitions.reduce((s, r) => s + r.non2xx, 0),
    cpu: c.summary.serverCpuUsPerRequest?.median ?? null,
    rss: c.summary.serverPeakRssBytes?.median ?? null,
  };
}

/** The figures of one run of `cbench load` (no server process known: no CPU or memory; no capacity). */
export function loadFigures(r: {
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; p99_9: number };
  errors: number;
  timeouts: number;
  resets: number;
  non2xx: number;
}): Figures {
  return {
    rps: r.requestsPerSec,
    capacity: null,
    p50: r.latencyMs.p50,
    p90: r.latencyMs.p90,
    p99: r.latencyMs.p99,
    'p99.9': r.latencyMs.p99_9,
    errors: r.errors + r.timeouts + r.resets,
    non2xx: r.non2xx,
    cpu: null,
    rss: null,
  };
}

const holds = (value: number, op: Op, limit: number): boolean =>
  op === '<'
    ? value < limit
    : op === '<='
      ? value <= limit
      : op === '>'
        ? value > limit
        : op === '>='
          ? value >= limit
          : op === '=='
            ? value === limit
            : value !== limit;

/** A cell for the objectives: its name parts and figures, or null figures when it was not measured. */
export interface ObjectiveCell {
  variant: string;
  workload: string;
  /** `plaintext c=64 p=1`. */
  name: string;
  figures: Figures | null;
}

/**
 * Every objective on every cell its selector names. A cell not measured, a figure not measured,
 * or an objective that names no cell fails: a typo must not pass.
 */
export function evaluateObjectives(objectives: readonly Objective[], cells: readonly ObjectiveCell[]): ObjectiveResult[] {
  return objectives.map((o) => {
    const named = cells.filter(
      (c) => o.selector === '*' || o.selector === c.variant || o.selector === c.workload || o.selector === `${c.variant}/${c.workload}`,
    );
    const checks = named.map((c) => {
      const value = c.figures?.[o.metric] ?? null;
      return { variant: c.variant, cell: c.name, value, pass: value !== null && holds(value, o.op, o.value) };
    });
    return { expression: o.expression, checks, pass: checks.length > 0 && checks.every((x) => x.pass) };
  });
}

/** The objectives checked on every cell of a run (a failed cell's figures are not measured). */
export function checkRun(results: Results, objectives: readonly Objective[]): ObjectiveResult[] {
  const cells = results.variants.flatMap((v) =>
    cellsOf(v).map((c) => ({
      variant: v.name,
      workload: c.workload,
      name: cellName(c),
      figures: c.status === 'ok' ? cellFigures(c) : null,
    })),
  );
  return evaluateObjectives(objectives, cells);
}

/** The pass/fail table: one line per objective and cell it named. */
export function renderObjectives(results: readonly ObjectiveResult[]): string[][] {
  const rows: string[][] = [['threshold', 'cell', 'measured', 'verdict']];
  for (const r of results) {
    if (r.checks.length === 0) rows.push([r.expression, '(no cell matched)', '—', 'FAIL']);
    for (const c of r.checks) {
      const metric = parseObjective(r.expression).metric;
      const unit = Object.keys(METRICS[metric].units)[0] ?? '';
      const shown =
        c.value === null
          ? 'not measured'
          : `${Number.isInteger(c.value) ? c.value : c.value.toFixed(2)}${unit === '' ? '' : ` ${metric === 'rss' ? 'B' : unit}`}`;
      rows.push([r.expression, `${c.variant} ${c.cell}`, shown, c.pass ? 'pass' : 'FAIL']);
    }
  }
  return rows;
}
