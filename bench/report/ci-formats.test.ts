import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compare } from '../analysis/compare.js';
import { evaluateObjectives, parseObjective } from '../analysis/objectives.js';
import { fixtureResults } from '../analysis/test-support/fixture.js';
import { DEFAULT_THRESHOLDS } from '../analysis/thresholds.js';
import { cellsOf } from '../results/results.js';
import { bencher, githubActionBenchmark, junit, measuredCells, parseCiFormats } from './ci-formats.js';

// github-action-benchmark's custom tools read an array of these (its README, "Examples: Custom
// benchmarks": name, unit and value required; range and extra optional strings).
const gabSchema = z.array(
  z.object({ name: z.string().min(1), unit: z.string().min(1), value: z.number(), range: z.string().optional(), extra: z.string().optional() }).strict(),
);

// Bencher Metric Format (bencher.dev, "How to track custom benchmarks"): benchmark name → measure
// slug → { value, lower_value?, upper_value? }.
const bmfSchema = z.record(
  z.string().min(1),
  z.record(z.string().min(1), z.object({ value: z.number(), lower_value: z.number().optional(), upper_value: z.number().optional() }).strict()),
);

describe('the formats CI reads', () => {
  const results = fixtureResults({ capacity: true });
  const cells = measuredCells(results);

  it("github-action-benchmark: bigger-is-better req/s and capacity, smaller-is-better p99 and CPU per request, each cell's median with its spread", () => {
    const { bigger, smaller } = githubActionBenchmark(cells);
    gabSchema.parse(bigger);
    gabSchema.parse(smaller);
    const loop = cellsOf(results.variants.find((v) => v.name === 'single-loop')!).find((c) => c.workload === 'json')!;
    if (loop.status !== 'ok') throw new Error('fixture');
    expect(bigger).toContainEqual(
      expect.objectContaining({ name: 'single-loop json c=64 p=1 req/s', unit: 'req/s', value: loop.summary.requestsPerSec.median }),
    );
    expect(bigger.some((e) => e.name === 'single-loop json c=64 p=1 capacity')).toBe(true);
    expect(smaller).toContainEqual(expect.objectContaining({ name: 'single-loop json c=64 p=1 p99', unit: 'ms', value: loop.summary.latencyP99Ms.median }));
    expect(smaller.every((e) => e.unit === 'ms' || e.unit === 'µs')).toBe(true);
  });

  it("Bencher's metric format: throughput in req/s and latency in ns (its built-in measures), bounded by the repetitions' min and max", () => {
    const out = bmfSchema.parse(bencher(cells));
    const loop = out['single-loop json c=64 p=1'];
    expect(loop?.throughput?.value).toBeGreaterThan(0);
    expect(loop?.latency?.value).toBeGreaterThan(1e5);
    expect(loop?.latency?.lower_value).toBeLessThanOrEqual(loop?.latency?.value ?? 0);
    expect(Object.keys(loop ?? {})).toEqual(expect.arrayContaining(['throughput', 'latency', 'cpu-per-request', 'capacity']));
  });

  it('JUnit XML: a case per threshold (failed with the cells that missed) and per judged cell (failed on a regression, skipped when not judged), well-formed', () => {
    const objectives = evaluateObjectives(
      [parseObjective('*:errors==0'), parseObjective('p99<0.001ms'), parseObjective('nothing:p99<1ms')],
      [
        {
          variant: 'v',
          workload: 'json',
          name: 'json c=1 p=1',
          figures: { rps: 1, capacity: null, p50: 1, p90: 1, p99: 2, 'p99.9': 3, errors: 0, non2xx: 0, cpu: null, rss: null },
        },
      ],
    );
    // Ten pairs a cell, ±1% apart; single-loop's head at half the req/s and twice the CPU per request.
    const tenPairs = (slower: boolean) => {
      const r = fixtureResults({});
      for (const v of r.variants)
        for (const c of cellsOf(v)) {
          if (c.status !== 'ok') continue;
          const t = c.repetitions[0]!;
          const f = slower && v.name === 'single-loop' ? 2 : 1;
          c.repetitions = Array.from({ length: 10 }, (_, i) => {
            const j = 1 + ((i % 3) - 1) * 0.01;
            return { ...t, requestsPerSec: (t.requestsPerSec * j) / f, serverCpuUsPerRequest: (t.serverCpuUsPerRequest ?? 1) * j * f };
          });
        }
      return r;
    };
    const report = compare(tenPairs(false), tenPairs(true), { test: 'welch', seed: 1, thresholds: DEFAULT_THRESHOLDS, paired: true });
    const text = junit(objectives, report);
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse(
      text,
    ) as {
      testsuites: {
        testsuite: Array<{
          name: string;
          tests: string;
          failures: string;
          skipped: string;
          testcase: Array<{ name: string; failure?: unknown; skipped?: unknown }>;
        }>;
      };
    };
    const [thresholds, regressions] = doc.testsuites.testsuite;
    expect(thresholds?.name).toBe('concurrency-bench thresholds');
    expect(thresholds?.tests).toBe('3');
    expect(thresholds?.failures).toBe('2');
    expect(thresholds?.testcase.map((c) => [c.name, c.failure === undefined])).toEqual([
      ['*:errors==0', true],
      ['p99<0.001ms', false],
      ['nothing:p99<1ms', false],
    ]);
    expect(Number(regressions?.tests)).toBe(new Set(report.rows.map((r) => `${r.variant} ${r.workload}`)).size + report.unjudged.length);
    const loop = regressions?.testcase.find((c) => c.name === 'single-loop plaintext c=64 p=1');
    expect(loop?.failure).toBeDefined();
    expect(Number(regressions?.failures)).toBe(new Set(report.rows.filter((r) => r.regression).map((r) => `${r.variant} ${r.workload}`)).size);
    expect(regressions?.testcase.find((c) => c.name === 'cluster plaintext c=64 p=1')?.failure).toBeUndefined();
  });

  it('takes a comma-separated or repeated --format, and refuses an unknown name in one line', () => {
    expect(parseCiFormats(['junit,bencher', 'junit'])).toEqual(['junit', 'bencher']);
    expect(() => parseCiFormats(['junit,csv'])).toThrow(/^unknown format 'csv' \(valid: github-action-benchmark, bencher, junit\)$/);
  });
});
