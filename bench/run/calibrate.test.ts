import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random.js';
import { compare } from '../analysis/compare.js';
import { fixtureResults } from '../analysis/test-support/fixture.js';
import { DEFAULT_THRESHOLDS } from '../analysis/thresholds.js';
import { cellsOf, type Results } from '../results/results.js';
import { calibrate, renderCalibration } from './calibrate.js';

/** An A/A run of the fixture's single-loop plaintext cell alone: `pairs` pairs, each sample varied by up to ±noise. */
function aa(pairs: number, noise: number): { a: Results; b: Results } {
  const random = seededRandom(3);
  const side = () => {
    const r = fixtureResults({});
    r.variants = r.variants.filter((v) => v.name === 'single-loop');
    const v = r.variants[0]!;
    if (v.status !== 'ok') throw new Error('fixture');
    v.cells = v.cells.filter((c) => c.workload === 'plaintext');
    for (const c of cellsOf(v)) {
      if (c.status !== 'ok') continue;
      const t = c.repetitions[0]!;
      c.repetitions = Array.from({ length: pairs }, () => {
        const j = 1 + (random() * 2 - 1) * noise;
        return {
          ...t,
          requestsPerSec: t.requestsPerSec * j,
          serverCpuUsPerRequest: (t.serverCpuUsPerRequest ?? 1) / j,
          latencyMs: { ...t.latencyMs, p99: t.latencyMs.p99 * j },
        };
      });
    }
    return r;
  };
  return { a: side(), b: side() };
}

describe('cbench calibrate', () => {
  it("gives, per gated metric, the samples' coefficient of variation, the change the run could detect, and the pairs its threshold needs", () => {
    const { a, b } = aa(6, 0.1);
    const report = compare(a, b, { test: 'welch', seed: 1, thresholds: DEFAULT_THRESHOLDS, paired: true });
    const c = calibrate(report, a, b, { pairs: 6, cells: 1 }, 60, null);
    // RSS is not gated (no threshold): three metrics.
    expect(c.rows.map((r) => r.metric)).toEqual(['req/s', 'p99', 'CPU/req']);
    expect(c).toMatchObject({ pairs: 6, cells: 1, budget: null });
    expect(c.pairSec).toBeCloseTo(10, 6);
    const rps = c.rows[0]!;
    const xs = [a, b].flatMap((r) => cellsOf(r.variants[0]!).flatMap((cell) => (cell.status === 'ok' ? cell.repetitions.map((x) => x.requestsPerSec) : [])));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
    expect(rps.cvPct).toBeCloseTo((sd / mean) * 100, 6);
    expect(rps.mdcPct).toBe(report.rows.find((r) => r.metric === 'requestsPerSec')?.mdcPct);
    // ±10% noise cannot show a 10% drop in 6 pairs: more are needed, and the suggestion asks for them.
    expect(rps.pairsNeeded).toBeGreaterThan(6);
    expect(c.repetitions).toBe(Math.max(...c.rows.map((r) => r.pairsNeeded ?? 0)));
    expect(c.suggestedRepetitions).toBe(c.repetitions);
  });

  it('within a budget: the pairs that fit, and which metrics they would leave without enough power', () => {
    const { a, b } = aa(6, 0.1);
    const report = compare(a, b, { test: 'welch', seed: 1, thresholds: DEFAULT_THRESHOLDS, paired: true });
    // 10 s a pair, one cell: 60 s fits 6 pairs.
    const c = calibrate(report, a, b, { pairs: 6, cells: 1 }, 60, 60);
    expect(c.budget).toEqual({ seconds: 60, repetitions: 6 });
    expect(c.suggestedRepetitions).toBe(6);
    const { table, advice } = renderCalibration(c, 1, 0.5);
    expect(table[0]).toEqual(['variant', 'cell', 'metric', 'CV', 'MDC at 6 pairs', 'threshold', 'pairs needed']);
    expect(advice[0]).toMatch(/^suggested for an A\/B run of these cells: --repetitions \d+ --duration 1 --warmup 0\.5/);
    expect(advice[1]).toMatch(/^within the budget of 1m00s: --repetitions 6 .*would not be judged with enough power: single-loop plaintext c=64 p=1 req\/s/);
    // Quiet samples: the threshold is in reach at 6 pairs and the budget fits.
    const quiet = aa(6, 0.005);
    const q = calibrate(
      compare(quiet.a, quiet.b, { test: 'welch', seed: 1, thresholds: DEFAULT_THRESHOLDS, paired: true }),
      quiet.a,
      quiet.b,
      { pairs: 6, cells: 1 },
      60,
      600,
    );
    expect(q.rows.every((r) => (r.pairsNeeded ?? Infinity) <= 6)).toBe(true);
    expect(renderCalibration(q, 1, 0.5).advice[1]).toMatch(/that fits/);
  });
});
