import { describe, expect, it } from 'vitest';
import type { RatePoint, Repetition } from '../results/results.js';
import { analyseSweep, type Capacity, capacityOf, capacityRange, missesOf, observedOf, rangesOverlap, type SweepPoint } from './capacity.js';
import { summaryOf } from './repetitions.js';

/** A point from offered req/s, achieved req/s, p99 ms and errors. */
const pt = (offeredRps: number, achievedRps: number, p99Ms: number, errors = 0): SweepPoint => ({ offeredRps, achievedRps, p99Ms, errors });

const SLO = 50;

/** A repetition that achieved `rps` without errors. */
function fixtureRepetition(rps: number): Repetition {
  return {
    requests: rps * 2,
    durationSec: 2,
    requestsPerSec: rps,
    loadgenThreads: 1,
    loadgenHosts: null,
    bytesPerSec: rps * 100,
    latencyMs: { mean: 1, p50: 1, p90: 2, p99: 3, p99_9: 4, p99_99: 5, max: 6 },
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    resets: 0,
    serverCpuUserSec: 1,
    serverCpuSystemSec: 0.2,
    serverCpuUsPerRequest: 300,
    serverPeakRssBytes: 50_000_000,
    loadgenCpuSec: 1,
    loadgenCpuShare: 0.5,
    serverCpuShare: 0.6,
    reconnects: 0,
    fairness: null,
    firstResponseMs: null,
    bottleneck: 'neither',
    openLoop: null,
    routes: null,
    canary: null,
  };
}

const cases: Array<{ name: string; sweep: SweepPoint[]; expected: Capacity }> = [
  {
    name: 'a clean knee: keeps up to 40,000, then plateaus near 45,000 with its p99 climbing',
    sweep: [pt(10_000, 10_000, 1), pt(20_000, 19_990, 1.2), pt(40_000, 39_800, 4), pt(50_000, 45_000, 900), pt(60_000, 45_200, 2_000)],
    expected: {
      capacityRps: 40_000,
      firstMiss: { offeredRps: 50_000, why: ['behind', 'slo'] },
      recoveredAfterMiss: false,
      pastSaturation: { shape: 'plateau', peakRps: 45_200, lastRps: 45_200 },
    },
  },
  {
    name: 'a collapse: past its knee the server serves less the more it is asked',
    sweep: [pt(1_000, 1_000, 5), pt(2_000, 2_000, 8), pt(4_000, 3_000, 400), pt(8_000, 1_500, 3_000)],
    expected: {
      capacityRps: 2_000,
      firstMiss: { offeredRps: 4_000, why: ['behind', 'slo'] },
      recoveredAfterMiss: false,
      pastSaturation: { shape: 'collapse', peakRps: 3_000, lastRps: 1_500 },
    },
  },
  {
    name: 'keeps the rate but not the objective: capacity is where p99 leaves it, not where throughput does',
    sweep: [pt(100, 100, 20), pt(200, 200, 45), pt(300, 300, 80), pt(400, 399, 120)],
    expected: { capacityRps: 200, firstMiss: { offeredRps: 300, why: ['slo'] }, recoveredAfterMiss: false, pastSaturation: null },
  },
  {
    name: 'never meets the objective: no capacity',
    sweep: [pt(100, 100, 60), pt(200, 150, 900)],
    expected: {
      capacityRps: null,
      firstMiss: { offeredRps: 100, why: ['slo'] },
      recoveredAfterMiss: false,
      pastSaturation: { shape: 'plateau', peakRps: 150, lastRps: 150 },
    },
  },
  {
    name: 'errors disqualify a point however fast it was, and a later clean point does not lift the capacity past them',
    sweep: [pt(1_000, 1_000, 2), pt(2_000, 2_000, 3, 12), pt(3_000, 3_000, 4)],
    expected: { capacityRps: 1_000, firstMiss: { offeredRps: 2_000, why: ['errors'] }, recoveredAfterMiss: true, pastSaturation: null },
  },
  {
    name: 'within 1% of the offered rate counts as keeping up; 1.5% behind does not',
    sweep: [pt(10_000, 9_910, 3), pt(20_000, 19_700, 3)],
    expected: {
      capacityRps: 10_000,
      firstMiss: { offeredRps: 20_000, why: ['behind'] },
      recoveredAfterMiss: false,
      pastSaturation: { shape: 'plateau', peakRps: 19_700, lastRps: 19_700 },
    },
  },
  {
    name: 'points in any order are read by offered rate',
    sweep: [pt(300, 300, 80), pt(100, 100, 20), pt(200, 200, 45)],
    expected: { capacityRps: 200, firstMiss: { offeredRps: 300, why: ['slo'] }, recoveredAfterMiss: false, pastSaturation: null },
  },
  {
    name: 'an empty sweep has no capacity and no miss',
    sweep: [],
    expected: { capacityRps: null, firstMiss: null, recoveredAfterMiss: false, pastSaturation: null },
  },
];

describe('capacity at a latency objective', () => {
  for (const c of cases) {
    it(c.name, () => {
      expect(capacityOf(c.sweep, SLO)).toEqual(c.expected);
    });
  }

  it('refuses an objective that is not above 0 ms', () => {
    expect(() => capacityOf([pt(1, 1, 1)], 0)).toThrow(/objective must be above 0/);
  });
});

describe('a measured sweep (analyseSweep)', () => {
  /** A point at `offered` whose repetitions achieved `achieved[i]` with p99 `p99[i]`, the generator at `loadgen[i]` of its CPU. */
  const point = (offered: number, achieved: number[], p99: number[], loadgen: number[] = achieved.map(() => 0.5)): RatePoint => {
    const repetitions = achieved.map((rps, i) => ({
      ...fixtureRepetition(rps),
      latencyMs: { ...fixtureRepetition(rps).latencyMs, p99: p99[i] ?? 0 },
      loadgenCpuShare: loadgen[i] ?? 0,
    }));
    return { rate: String(offered), offeredRps: offered, refined: false, repetitions, summary: summaryOf(repetitions) };
  };

  it('keeps each repetition index apart: as many capacities as repetitions, for a comparison to test', () => {
    const sweep = [point(1_000, [1_000, 1_000], [5, 5]), point(2_000, [2_000, 2_000], [8, 60]), point(3_000, [2_400, 3_000], [300, 20])];
    const a = analyseSweep(sweep, SLO);
    // Medians: 2,000 has p99 34 ms (kept up); 3,000 is behind (median 2,700).
    expect(a.capacityRps).toBe(2_000);
    expect(a.capacityByRepetition).toEqual([2_000, 1_000]);
    expect(a.generatorBoundAtMiss).toBe(null);
  });

  it('says when the load generator used up its CPU at the first miss: the capacity is a floor', () => {
    const sweep = [point(1_000, [1_000], [5]), point(2_000, [1_500], [80], [0.95])];
    expect(analyseSweep(sweep, SLO)).toMatchObject({ capacityRps: 1_000, generatorBoundAtMiss: 'saturated' });
    expect(analyseSweep([point(1_000, [1_000], [5]), point(2_000, [1_500], [80], [0.6])], SLO).generatorBoundAtMiss).toBe(null);
  });

  /** `p` with its repetitions' open loop as the generator reported it: held-up share, the others' p99, and the rule's verdict. */
  const held = (p: RatePoint, heldUpShare: number, notHeldP99Ms: number, generatorBound: 'delayed' | null): RatePoint => {
    const repetitions = p.repetitions.map((r) => ({
      ...r,
      openLoop: {
        offeredRps: p.offeredRps,
        arrivals: 'poisson' as const,
        due: 2 * p.offeredRps,
        late: 0,
        unsent: 0,
        sendLagP99Ms: 1,
        scheduleLagP99Ms: 1,
        loopDelayP99Ms: 1,
        loopDelayMaxMs: 12,
        heldUpShare,
        notHeldP99Ms,
        generatorBound,
      },
    }));
    return { ...p, repetitions, summary: summaryOf(repetitions) };
  };

  it('makes the capacity a floor when the generator’s own delays made the tail of the first miss and the rest kept to the objective', () => {
    // Objective 50 ms: p99 80 ms at 2,000 req/s, but 12 ms without the requests the generator held up.
    const sweep = [point(1_000, [1_000], [5]), held(point(2_000, [2_000], [80]), 0.04, 12, 'delayed')];
    expect(analyseSweep(sweep, SLO)).toMatchObject({ capacityRps: 1_000, firstMiss: { offeredRps: 2_000, why: ['slo'] }, generatorBoundAtMiss: 'delayed' });
  });

  it('keeps a miss the server’s when the requests the generator did not hold up missed the objective too, or failed', () => {
    const tooSlow = [point(1_000, [1_000], [5]), held(point(2_000, [2_000], [200]), 0.04, 90, 'delayed')];
    expect(analyseSweep(tooSlow, SLO).generatorBoundAtMiss).toBe(null);
    const punctual = [point(1_000, [1_000], [5]), held(point(2_000, [2_000], [80]), 0.001, 79, null)];
    expect(analyseSweep(punctual, SLO).generatorBoundAtMiss).toBe(null);
    // Behind (served 1,500 of 2,000) or failing requests: a late generator sends late, it does not make the server answer less or fail.
    const behindMiss = [point(1_000, [1_000], [5]), held(point(2_000, [1_500], [80]), 0.04, 12, 'delayed')];
    expect(analyseSweep(behindMiss, SLO)).toMatchObject({ firstMiss: { why: ['behind', 'slo'] }, generatorBoundAtMiss: null });
    const failing = held(point(2_000, [2_000], [80]), 0.04, 12, 'delayed');
    for (const r of failing.repetitions) r.non2xx = 40;
    expect(analyseSweep([point(1_000, [1_000], [5]), { ...failing, summary: summaryOf(failing.repetitions) }], SLO).generatorBoundAtMiss).toBe(null);
  });

  it('counts a point at which the generator held up every request as the generator’s: nothing is left to judge the server by', () => {
    const all = held(point(2_000, [2_000], [900]), 1, 0, 'delayed');
    for (const r of all.repetitions) if (r.openLoop !== null) r.openLoop.notHeldP99Ms = null;
    expect(analyseSweep([point(1_000, [1_000], [5]), all], SLO)).toMatchObject({ capacityRps: 1_000, generatorBoundAtMiss: 'delayed' });
  });
});

describe('keeping up, judged against the schedule the arrivals actually kept', () => {
  /** A repetition of an open loop at `offered` req/s over 2 s, `due` of them due, `served` answered. */
  const rep = (offered: number, due: number, served: number, non2xx = 0): Repetition => ({
    ...fixtureRepetition(served / 2),
    requests: served,
    non2xx,
    openLoop: {
      offeredRps: offered,
      arrivals: 'poisson',
      due,
      late: 0,
      unsent: 0,
      sendLagP99Ms: 0.5,
      scheduleLagP99Ms: null,
      loopDelayP99Ms: null,
      loopDelayMaxMs: null,
      heldUpShare: null,
      notHeldP99Ms: null,
      generatorBound: null,
    },
  });
  const at = (offered: number, ...repetitions: Repetition[]): RatePoint => ({
    rate: String(offered),
    offeredRps: offered,
    refined: false,
    repetitions,
    summary: summaryOf(repetitions),
  });

  it('does not call a point behind because a Poisson draw came due below the nominal rate', () => {
    // 99.2 req/s offered; the arrivals came due at 97 and 96 a second, and every one was answered.
    const p = at(99.2, rep(99.2, 194, 194), rep(99.2, 192, 192));
    expect(missesOf(observedOf(p), SLO)).toEqual([]);
    // Served 1.5% fewer than came due: behind.
    expect(missesOf(observedOf(at(99.2, rep(99.2, 200, 197))), SLO)).toEqual(['behind']);
  });

  it('counts non-2xx answers as failures: a server shedding load with fast 503s is not keeping up', () => {
    expect(missesOf(observedOf(at(1_000, rep(1_000, 2_000, 2_000, 300))), SLO)).toEqual(['errors']);
  });
});

describe('capacityRange', () => {
  const sweep = (offered: number[], byRepetition: Array<number | null>) => ({
    points: offered.map((o) => ({ offeredRps: o }) as RatePoint),
    capacityByRepetition: byRepetition,
  });

  it('runs from the lowest capacity of any repetition to the next rate swept above the highest', () => {
    expect(capacityRange(2_000, sweep([1_000, 2_000, 3_000, 4_000], [2_000, 1_000]))).toEqual({ lo: 1_000, hi: 3_000 });
    expect(capacityRange(null, sweep([1_000, 2_000], [null, 1_000]))).toEqual({ lo: 0, hi: 2_000 });
  });

  it('is open when every rate kept up, and two ranges overlap only where they share a rate', () => {
    expect(capacityRange(4_000, sweep([1_000, 4_000], [4_000]))).toEqual({ lo: 4_000, hi: Number.POSITIVE_INFINITY });
    expect(rangesOverlap({ lo: 1, hi: 3 }, { lo: 2, hi: 5 })).toBe(true);
    expect(rangesOverlap({ lo: 1, hi: 3 }, { lo: 3, hi: 5 })).toBe(false);
  });
});
