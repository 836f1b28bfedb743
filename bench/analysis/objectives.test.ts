import { describe, expect, it } from 'vitest';
import { cellsOf } from '../results/results.js';
import { cellFigures, checkRun, evaluateObjectives, loadFigures, parseObjective, renderObjectives } from './objectives.js';
import { fixtureResults } from './test-support/fixture.js';

describe('--threshold expressions', () => {
  it('parses selector, metric, operator and value, in the base unit of the metric', () => {
    expect(parseObjective('json:p99<20ms')).toEqual({ expression: 'json:p99<20ms', selector: 'json', metric: 'p99', op: '<', value: 20 });
    expect(parseObjective('plaintext:rps>40000')).toMatchObject({ selector: 'plaintext', metric: 'rps', op: '>', value: 40000 });
    expect(parseObjective('*:errors==0')).toMatchObject({ selector: '*', metric: 'errors', op: '==', value: 0 });
    expect(parseObjective('p99.9 <= 1.5s')).toMatchObject({ selector: '*', metric: 'p99.9', op: '<=', value: 1500 });
    expect(parseObjective('single-loop/json:p50<800us')).toMatchObject({ selector: 'single-loop/json', value: 0.8 });
    expect(parseObjective('cpu>=12µs')).toMatchObject({ metric: 'cpu', op: '>=', value: 12 });
    expect(parseObjective('rss<64MiB')).toMatchObject({ metric: 'rss', value: 64 * 1024 * 1024 });
    expect(parseObjective('non2xx!=3')).toMatchObject({ metric: 'non2xx', op: '!=', value: 3 });
  });

  const bad: Array<[string, RegExp]> = [
    ['json:p99', /is not \[SELECTOR:\]METRIC OP NUMBER\[UNIT\]/],
    ['json:p99=<20ms', /is not \[SELECTOR:\]METRIC OP NUMBER/],
    ['json:latency<20ms', /unknown metric 'latency' \(one of rps, capacity, p50/],
    ['json:p99<20kg', /p99 takes ms, us, µs, s, not 'kg'/],
    ['rps>100ms', /rps takes no unit, not 'ms'/],
    ['rss<64', /rss takes B, KB, MB, GB, KiB, MiB, GiB, and needs one/],
  ];
  for (const [text, message] of bad) {
    it(`refuses '${text}' with a one-line reason`, () => {
      expect(() => parseObjective(text)).toThrow(message);
      try {
        parseObjective(text);
      } catch (e) {
        expect((e as Error).message).not.toContain('\n');
      }
    });
  }
});

describe('evaluating objectives', () => {
  const results = fixtureResults({});
  it("checks each expression on every cell it names, with a cell's median figures", () => {
    const loop = cellsOf(results.variants.find((v) => v.name === 'single-loop')!).find((c) => c.workload === 'json')!;
    if (loop.status !== 'ok') throw new Error('fixture');
    const p99 = loop.summary.latencyP99Ms.median;
    const checked = checkRun(results, [
      parseObjective(`single-loop/json:p99<${p99 + 1}ms`),
      parseObjective(`json:p99<${p99}ms`),
      parseObjective('*:errors==0'),
    ]);
    expect(checked[0]).toMatchObject({ pass: true, checks: [{ variant: 'single-loop', cell: 'json c=64 p=1', value: p99, pass: true }] });
    // Strictly below its own value fails for single-loop (and is checked on every variant's json).
    expect(checked[1]?.pass).toBe(false);
    expect(checked[1]?.checks.length).toBe(results.variants.length);
    expect(checked[1]?.checks.find((c) => c.variant === 'single-loop')?.pass).toBe(false);
    expect(checked[2]).toMatchObject({ pass: true });
    expect(checked[2]?.checks.length).toBe(results.variants.flatMap((v) => cellsOf(v)).length);
    expect(cellFigures(loop)).toMatchObject({ rps: loop.summary.requestsPerSec.median, capacity: null, errors: 0 });
  });

  it('fails an objective that names no cell (a typo must not pass), a cell not measured, and a figure not measured', () => {
    const [typo, failed, unknown] = evaluateObjectives(
      [parseObjective('jsno:p99<20ms'), parseObjective('*:p99<20ms'), parseObjective('*:cpu<10µs')],
      [{ variant: 'x', workload: 'json', name: 'json c=1 p=1', figures: null }],
    );
    expect(typo).toEqual({ expression: 'jsno:p99<20ms', checks: [], pass: false });
    expect(failed).toMatchObject({ pass: false, checks: [{ value: null, pass: false }] });
    expect(unknown?.pass).toBe(false);
    const table = renderObjectives([typo!, failed!]);
    expect(table).toContainEqual(['jsno:p99<20ms', '(no cell matched)', '—', 'FAIL']);
    expect(table).toContainEqual(['*:p99<20ms', 'x json c=1 p=1', 'not measured', 'FAIL']);
  });

  it('a run of cbench load: its figures, the sum of errors, timeouts and resets; no CPU or capacity', () => {
    const f = loadFigures({ requestsPerSec: 900, latencyMs: { p50: 1, p90: 2, p99: 3, p99_9: 4 }, errors: 1, timeouts: 2, resets: 3, non2xx: 4 });
    expect(f).toEqual({ rps: 900, capacity: null, p50: 1, p90: 2, p99: 3, 'p99.9': 4, errors: 6, non2xx: 4, cpu: null, rss: null });
  });
});
