// The formats CI tools already read, written beside results.json with --format:
// - github-action-benchmark's custom JSON (an array of { name, unit, value, range, extra }), as
//   two files, since its tool is `customBiggerIsBetter` or `customSmallerIsBetter` per file;
// - Bencher's Metric Format (BMF: { benchmark: { measure: { value, lower_value, upper_value } } });
// - JUnit XML, for test reporters: one test case per --threshold and per judged cell of a comparison.

import { join } from 'node:path';
import type { ComparisonReport } from '../analysis/compare.js';
import { cellName, cellsOf, type ObjectiveResult, type Results, type Stats } from '../results/results.js';
import { writeFileAtomic } from '../results/store.js';

export const CI_FORMATS = ['github-action-benchmark', 'bencher', 'junit'] as const;
export type CiFormat = (typeof CI_FORMATS)[number];

/** The files each format writes, in the folder given. */
export const CI_FORMAT_FILES: Record<CiFormat, readonly string[]> = {
  'github-action-benchmark': ['benchmark-bigger-is-better.json', 'benchmark-smaller-is-better.json'],
  bencher: ['bencher.json'],
  junit: ['junit.xml'],
};

/** One entry of github-action-benchmark's custom format. */
export interface GabEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

/** What the JSON formats take of a measured cell (or of one run of cbench load). */
export interface Measured {
  name: string;
  requestsPerSec: Stats;
  latencyP99Ms: Stats;
  serverCpuUsPerRequest: Stats | null;
  capacityRps: number | null;
  note: string;
}

/** Every measured cell of a run. */
export function measuredCells(results: Results): Measured[] {
  return results.variants.flatMap((v) =>
    cellsOf(v).flatMap((c): Measured[] =>
      c.status !== 'ok'
        ? []
        : [
            {
              name: `${v.name} ${cellName(c)}`,
              requestsPerSec: c.summary.requestsPerSec,
              latencyP99Ms: c.summary.latencyP99Ms,
              serverCpuUsPerRequest: c.summary.serverCpuUsPerRequest,
              capacityRps: c.capacityRps,
              note: `${c.repetitions.length} repetitions, median (range: half of max − min)${c.clientBound ? '; client-bound: a floor' : ''}`,
            },
          ],
    ),
  );
}

const spread = (s: Stats) => `± ${((s.max - s.min) / 2).toPrecision(3)}`;

/** github-action-benchmark's entries: bigger-is-better (req/s, capacity) and smaller-is-better (p99, CPU per request). */
export function githubActionBenchmark(cells: readonly Measured[]): { bigger: GabEntry[]; smaller: GabEntry[] } {
  const bigger: GabEntry[] = [];
  const smaller: GabEntry[] = [];
  for (const c of cells) {
    const extra = c.note;
    bigger.push({ name: `${c.name} req/s`, unit: 'req/s', value: c.requestsPerSec.median, range: spread(c.requestsPerSec), extra });
    if (c.capacityRps !== null) bigger.push({ name: `${c.name} capacity`, unit: 'req/s', value: c.capacityRps, extra: 'capacity at the p99 objective' });
    smaller.push({ name: `${c.name} p99`, unit: 'ms', value: c.latencyP99Ms.median, range: spread(c.latencyP99Ms), extra });
    if (c.serverCpuUsPerRequest !== null)
      smaller.push({ name: `${c.name} CPU per request`, unit: 'µs', value: c.serverCpuUsPerRequest.median, range: spread(c.serverCpuUsPerRequest), extra });
  }
  return { bigger, smaller };
}

/** A BMF metric: the median, with the min and max of the repetitions as its bounds. */
type BmfMetric = { value: number; lower_value?: number; upper_value?: number };
const bmf = (s: Stats, scale = 1): BmfMetric => ({ value: s.median * scale, lower_value: s.min * scale, upper_value: s.max * scale });

/**
 * Bencher's Metric Format: a benchmark per cell; `throughput` (req/s, Bencher's built-in measure
 * in operations per second) and `latency` (p99, its built-in measure in nanoseconds), and
 * `cpu-per-request` (µs) and `capacity` (req/s) as measures of our own.
 */
export function bencher(cells: readonly Measured[]): Record<string, Record<string, BmfMetric>> {
  const out: Record<string, Record<string, BmfMetric>> = {};
  for (const c of cells) {
    out[c.name] = {
      throughput: bmf(c.requestsPerSec),
      latency: bmf(c.latencyP99Ms, 1e6),
      ...(c.serverCpuUsPerRequest === null ? {} : { 'cpu-per-request': bmf(c.serverCpuUsPerRequest) }),
      ...(c.capacityRps === null ? {} : { capacity: { value: c.capacityRps } }),
    };
  }
  return out;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface TestCase {
  name: string;
  classname: string;
  failure?: string;
  skipped?: string;
}

function suite(name: string, cases: readonly TestCase[]): string {
  const failures = cases.filter((c) => c.failure !== undefined).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const body = cases.map((c) => {
    const open = `    <testcase name="${xml(c.name)}" classname="${xml(c.classname)}" time="0"`;
    if (c.failure !== undefined) return `${open}>\n      <failure message="${xml(c.failure)}" type="failure">${xml(c.failure)}</failure>\n    </testcase>`;
    if (c.skipped !== undefined) return `${open}>\n      <skipped message="${xml(c.skipped)}"/>\n    </testcase>`;
    return `${open}/>`;
  });
  return [`  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`, ...body, '  </testsuite>'].join(
    '\n',
  );
}

/**
 * JUnit XML: a suite `thresholds` with a case per --threshold (failed: the cells that missed it),
 * and a suite `regressions` with a case per judged cell of a comparison (failed: its
 * regressions; skipped: not judged, or not with enough power, and why).
 */
export function junit(objectives: readonly ObjectiveResult[] | null, comparison: ComparisonReport | null): string {
  const suites: string[] = [];
  if (objectives !== null && objectives.length > 0) {
    suites.push(
      suite(
        'concurrency-bench thresholds',
        objectives.map((o) => {
          const missed = o.checks.filter((c) => !c.pass).map((c) => `${c.variant} ${c.cell}: ${c.value === null ? 'not measured' : c.value}`);
          const failure = o.checks.length === 0 ? 'no cell matched' : missed.length > 0 ? missed.join('; ') : undefined;
          return { name: o.expression, classname: 'thresholds', ...(failure === undefined ? {} : { failure }) };
        }),
      ),
    );
  }
  if (comparison !== null) {
    const cells = new Map<string, TestCase>();
    for (const r of comparison.rows) {
      const name = `${r.variant} ${cellName(r)}`;
      const c = cells.get(name) ?? { name, classname: `regressions.${r.variant}` };
      if (r.regression) c.failure = `${c.failure === undefined ? '' : `${c.failure}; `}${r.metric} ${r.changePct >= 0 ? '+' : ''}${r.changePct.toFixed(1)}%`;
      else if (c.failure === undefined && (r.underpowered || r.excluded !== undefined))
        c.skipped = `${c.skipped === undefined ? '' : `${c.skipped}; `}${r.metric}: ${r.excluded ?? `not judged with enough power (MDC ${r.mdcPct?.toFixed(1)}%)`}`;
      if (c.failure !== undefined) delete c.skipped;
      cells.set(name, c);
    }
    for (const u of comparison.unjudged) {
      const name = `${u.variant} ${u.cell ?? '(every cell)'}`;
      if (!cells.has(name)) cells.set(name, { name, classname: `regressions.${u.variant}`, skipped: u.reason });
    }
    suites.push(suite('concurrency-bench regressions', [...cells.values()]));
  }
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites name="concurrency-bench">', ...suites, '</testsuites>', ''].join('\n');
}

/** --format's value: a comma-separated list of format names; throws with a one-line message on an unknown one. */
export function parseCiFormats(values: readonly string[]): CiFormat[] {
  const names = values.flatMap((v) => v.split(',').map((x) => x.trim()));
  for (const n of names) if (!(CI_FORMATS as readonly string[]).includes(n)) throw new Error(`unknown format '${n}' (valid: ${CI_FORMATS.join(', ')})`);
  return [...new Set(names)] as CiFormat[];
}

/** What the formats are written from: measured cells, checked objectives, a comparison. */
export interface CiFormatInputs {
  cells: readonly Measured[];
  objectives: readonly ObjectiveResult[] | null;
  comparison: ComparisonReport | null;
}

/** Writes each format asked for into `dir` (atomically); returns the paths written. */
export function writeCiFormats(dir: string, formats: readonly CiFormat[], what: CiFormatInputs): string[] {
  const written: string[] = [];
  const write = (file: string, text: string) => {
    writeFileAtomic(join(dir, file), text);
    written.push(join(dir, file));
  };
  for (const f of formats) {
    if (f === 'junit') write('junit.xml', junit(what.objectives, what.comparison));
    else if (f === 'bencher') write('bencher.json', `${JSON.stringify(bencher(what.cells), null, 2)}\n`);
    else {
      const { bigger, smaller } = githubActionBenchmark(what.cells);
      const [b, s] = CI_FORMAT_FILES['github-action-benchmark'];
      write(b as string, `${JSON.stringify(bigger, null, 2)}\n`);
      write(s as string, `${JSON.stringify(smaller, null, 2)}\n`);
    }
  }
  return written;
}
