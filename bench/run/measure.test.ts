import { describe, expect, it } from 'vitest';
import type { LoadGenerator, LoadSample, LoadTarget } from '../loadgen/types.js';
import type { CapacitySettings } from '../plan/scenarios.js';
import { type MeasuredServer, runCell } from './measure.js';

const ZERO_MS = { mean: 0, p50: 0, p90: 0, p99: 0, p99_9: 0, p99_99: 0, max: 0 };

/**
 * A load generator that measures nothing: a model server that serves at most `limit` req/s and
 * whose p99 rises past `knee` req/s, answering at once. Closed loop, it serves `limit`.
 */
function modelGenerator(limit: number, knee: number): LoadGenerator & { rates: Array<number | undefined> } {
  const rates: Array<number | undefined> = [];
  return {
    name: 'model',
    available: () => true,
    install: '',
    version: () => '0',
    openLoop: true,
    threads: false,
    rates,
    async run(t: LoadTarget): Promise<LoadSample> {
      rates.push(t.rate);
      const served = Math.min(t.rate ?? limit, limit);
      const p99 = t.rate === undefined ? 30 : t.rate <= knee ? 5 : 5 + (t.rate - knee) / 10;
      return {
        requests: Math.round(served * t.durationSec),
        durationSec: t.durationSec,
        requestsPerSec: served,
        bytesPerSec: served * 100,
        latencyMs: { mean: 1, p50: 1, p90: 2, p99, p99_9: p99, p99_99: p99, max: p99 },
        errors: 0,
        timeouts: 0,
        non2xx: 0,
        resets: 0,
        loadgenCpuSec: 0.1,
        reconnects: 0,
        fairness: null,
        firstResponseMs: null,
        openLoop:
          t.rate === undefined
            ? null
            : {
                offeredRps: t.rate,
                arrivals: t.arrivals ?? 'constant',
                due: t.rate * t.durationSec,
                late: 0,
                unsent: 0,
                sendLagMs: ZERO_MS,
                scheduleLagMs: ZERO_MS,
                loopDelayMs: ZERO_MS,
                heldUp: 0,
                notHeldLatencyMs: { mean: 1, p50: 1, p90: 2, p99, p99_9: p99, p99_99: p99, max: p99 },
              },
      };
    },
  };
}

const server: MeasuredServer = { origin: 'http://127.0.0.1:1', pid: null, capacity: null, gone: () => false };
const cell = { variant: 'model', workload: 'plaintext' as const, connections: 8, pipelining: 1 };
const pinning = { loadgenPin: [], serverCpus: 1, serverCpuList: null, loadgenCpuList: null };

async function sweep(capacity: CapacitySettings, limit = 10_000, knee = 6_000) {
  const loadgen = modelGenerator(limit, knee);
  const result = await runCell(cell, server, { settings: { warmupSec: 0, durationSec: 1, repetitions: 2, capacity }, loadgen, pinning });
  if (result.status !== 'ok' || result.sweep === null) throw new Error(`not measured: ${JSON.stringify(result)}`);
  return { result, sweep: result.sweep, rates: loadgen.rates };
}

describe('runCell: a capacity sweep', () => {
  it('offers each rate as a share of the closed-loop maximum, lowest first, and finds the capacity at the objective', async () => {
    const { result, sweep: s, rates } = await sweep({ rates: ['100%', '25%', '50%', '130%'], refine: 0, sloP99Ms: { plaintext: 50 }, arrivals: 'poisson' });
    // Two closed-loop repetitions, then two at each rate, in rising order.
    expect(rates).toEqual([undefined, undefined, 2_500, 2_500, 5_000, 5_000, 10_000, 10_000, 13_000, 13_000]);
    expect(s.maxRps).toBe(10_000);
    expect(s.points.map((p) => [p.rate, p.offeredRps, p.refined])).toEqual([
      ['25%', 2_500, false],
      ['50%', 5_000, false],
      ['100%', 10_000, false],
      ['130%', 13_000, false],
    ]);
    // 10,000 offered: p99 5 + 400 ms, beyond 50 ms.
    expect(result.capacityRps).toBe(5_000);
    expect(s.firstMiss).toEqual({ offeredRps: 10_000, why: ['slo'] });
    expect(s.pastSaturation).toEqual({ shape: 'plateau', peakRps: 10_000, lastRps: 10_000 });
    expect(s.capacityByRepetition).toEqual([5_000, 5_000]);
    expect(s.points[0]?.repetitions[0]?.openLoop).toMatchObject({ offeredRps: 2_500, arrivals: 'poisson' });
    expect(result.repetitions.every((r) => r.openLoop === null && r.serverCpuUserSec === null && r.serverPeakRssBytes === null)).toBe(true);
  });

  it('narrows the capacity down between the capacity and the first miss, halving the gap `refine` times at most', async () => {
    const { result, sweep: s } = await sweep({ rates: ['25%', '50%', '100%'], refine: 3, sloP99Ms: { plaintext: 50 }, arrivals: 'constant' });
    // The model keeps p99 within 50 ms up to 6,450 req/s: 50% (5,000) kept up, 100% did not.
    // Bisection: 7,500 (misses), 6,250 (keeps up), 6,875 (misses).
    expect(s.points.filter((p) => p.refined).map((p) => [p.rate, p.offeredRps])).toEqual([
      ['62.5%', 6_250],
      ['68.8%', 6_875],
      ['75%', 7_500],
    ]);
    expect(s.points.map((p) => p.offeredRps)).toEqual([2_500, 5_000, 6_250, 6_875, 7_500, 10_000]);
    expect(result.capacityRps).toBe(6_250);
    expect(s.firstMiss?.offeredRps).toBe(6_875);
  });

  it('stops refining when the gap is within 5% of the capacity, and does not refine a sweep with no miss or no capacity', async () => {
    // 5,200 misses (p99 25 ms), 5,000 kept up: a gap of 4%.
    const close = await sweep({ rates: ['50%', '52%'], refine: 3, sloP99Ms: { plaintext: 15 }, arrivals: 'constant' }, 10_000, 5_000);
    expect(close.result.capacityRps).toBe(5_000);
    expect(close.sweep.firstMiss?.offeredRps).toBe(5_200);
    expect(close.sweep.points.some((p) => p.refined)).toBe(false);
    const noMiss = await sweep({ rates: ['10%', '20%'], refine: 3, sloP99Ms: { plaintext: 50 }, arrivals: 'constant' });
    expect(noMiss.sweep.points).toHaveLength(2);
    const noCapacity = await sweep({ rates: ['90%', '100%'], refine: 3, sloP99Ms: { plaintext: 1 }, arrivals: 'constant' });
    expect(noCapacity.result.capacityRps).toBeNull();
    expect(noCapacity.sweep.points).toHaveLength(2);
  });

  it('offers rates given in req/s as they are, and labels refined rates in req/s then', async () => {
    const { sweep: s } = await sweep({ rates: ['4000', '9000'], refine: 1, sloP99Ms: { plaintext: 50 }, arrivals: 'constant' });
    expect(s.points.map((p) => [p.rate, p.offeredRps, p.refined])).toEqual([
      ['4000', 4_000, false],
      ['6500', 6_500, true],
      ['9000', 9_000, false],
    ]);
  });
});
