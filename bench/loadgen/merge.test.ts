import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random.js';
import { fairnessOf, firstResponseMsOf, type LoadReport, newHistogram, percentilesMs } from './engine.js';
import { mergeReports } from './merge.js';

/** A histogram of `us` (µs), encoded as a report carries it. */
function encoded(us: readonly number[]): string {
  const h = newHistogram();
  for (const v of us) h.recordValue(v);
  return hdr.encodeIntoCompressedBase64(h);
}

function percentilesOf(us: readonly number[]) {
  const h = newHistogram();
  for (const v of us) h.recordValue(v);
  return percentilesMs(h);
}

/** A segment's report as the engine makes one, from the latencies (µs) it recorded and its connections' counts and first responses (ms). */
function part(o: { latencies: number[]; perConnection: number[]; firsts: number[]; cpu: number; open?: boolean; routes?: [number[], number[]] }): LoadReport {
  const requests = o.latencies.length;
  const open = o.open === true;
  return {
    requests,
    durationSec: 2,
    requestsPerSec: requests / 2,
    bytesPerSec: requests * 50,
    latencyMs: percentilesOf(o.latencies),
    errors: 1,
    timeouts: 0,
    non2xx: 2,
    resets: 0,
    reconnects: 0,
    perConnection: o.perConnection,
    fairness: fairnessOf(o.perConnection),
    firstResponseMs: firstResponseMsOf(
      [...o.firsts].sort((a, b) => a - b),
      o.perConnection.length,
    ),
    loadgenCpuSec: o.cpu,
    serverCpuSec: 1.5,
    serverCpusBusySec: null,
    loadgenCpusBusySec: null,
    routes: (o.routes ?? [o.latencies]).map((r, i) => ({ label: `GET /${i}`, requests: r.length, non2xx: 0, latencyMs: percentilesOf(r) })),
    histograms: {
      latency: encoded(o.latencies),
      routes: o.routes === undefined ? [] : o.routes.map(encoded),
      openLoop: open ? { notHeld: encoded(o.latencies), sendLag: encoded([5, 10]), scheduleLag: encoded([1, 2]), loopDelay: encoded([100]) } : null,
    },
    firstResponses: [...o.firsts].sort((a, b) => a - b),
    openLoop: open
      ? {
          offeredRps: 100,
          arrivals: 'constant',
          due: requests,
          late: 3,
          unsent: 0,
          sendLagMs: percentilesOf([5, 10]),
          scheduleLagMs: percentilesOf([1, 2]),
          loopDelayMs: percentilesOf([100]),
          heldUp: 1,
          notHeldLatencyMs: percentilesOf(o.latencies),
        }
      : null,
  };
}

/** `n` latencies from a long-tailed distribution, in µs. */
function latencies(n: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => Math.round(200 + 50_000 * random() ** 8));
}

describe('merging the reports of segments', () => {
  it('adds the histograms: every percentile is that of one histogram fed every value, not an average of percentiles', () => {
    const a = latencies(20_000, 1);
    const b = latencies(5_000, 2).map((x) => x * 3);
    const c = latencies(1_000, 3);
    const merged = mergeReports(
      [a, b, c].map((l) => part({ latencies: l, perConnection: [l.length], firsts: [1], cpu: 1 })),
      { sameProcess: false },
    );
    expect(merged.latencyMs).toEqual(percentilesOf([...a, ...b, ...c]));
    // An average of the parts' p99s is not it.
    const averaged = (percentilesOf(a).p99 + percentilesOf(b).p99 + percentilesOf(c).p99) / 3;
    expect(merged.latencyMs.p99).not.toBeCloseTo(averaged, 1);
    expect(merged.requests).toBe(26_000);
    expect(merged.requestsPerSec).toBe(13_000);
    expect([merged.errors, merged.non2xx]).toEqual([3, 6]);
  });

  it('judges fairness over every connection together, pools first responses, and merges routes and the open loop the same way', () => {
    const r1 = [latencies(300, 4), latencies(100, 5)] as [number[], number[]];
    const r2 = [latencies(200, 6), latencies(400, 7)] as [number[], number[]];
    const p1 = part({ latencies: [...r1[0], ...r1[1]], perConnection: [200, 200], firsts: [3, 9], cpu: 1, open: true, routes: r1 });
    const p2 = part({ latencies: [...r2[0], ...r2[1]], perConnection: [100, 500], firsts: [1, 40], cpu: 2, open: true, routes: r2 });
    const merged = mergeReports([p1, p2], { sameProcess: false });
    expect(merged.perConnection).toEqual([200, 200, 100, 500]);
    expect(merged.fairness).toEqual(fairnessOf([200, 200, 100, 500]));
    expect(merged.firstResponseMs).toEqual(firstResponseMsOf([1, 3, 9, 40], 4));
    expect(merged.routes.map((r) => [r.label, r.requests])).toEqual([
      ['GET /0', 500],
      ['GET /1', 500],
    ]);
    expect(merged.routes[1]?.latencyMs).toEqual(percentilesOf([...r1[1], ...r2[1]]));
    expect(merged.openLoop).toMatchObject({ offeredRps: 200, due: 1_000, late: 6, heldUp: 2, loopDelayMs: percentilesOf([100, 100]) });
    // Processes read their own CPU, which adds; threads of one process each read the process's.
    expect(merged.loadgenCpuSec).toBe(3);
    expect(mergeReports([p1, p2], { sameProcess: true }).loadgenCpuSec).toBe(2);
    // The server is one: its reading is shared, not added.
    expect(merged.serverCpuSec).toBe(1.5);
    // Merges compose: merging a merge with the rest is merging them all.
    const p3 = part({ latencies: latencies(700, 8), perConnection: [700], firsts: [2], cpu: 1, open: true, routes: [latencies(350, 9), latencies(350, 10)] });
    expect(mergeReports([merged, p3], { sameProcess: false }).latencyMs).toEqual(mergeReports([p1, p2, p3], { sameProcess: false }).latencyMs);
  });

  it('refuses parts that cannot be one run', () => {
    const closed = part({ latencies: [1, 2], perConnection: [2], firsts: [1], cpu: 1 });
    const open = part({ latencies: [1, 2], perConnection: [2], firsts: [1], cpu: 1, open: true });
    expect(() => mergeReports([], { sameProcess: false })).toThrow(/nothing to merge/);
    expect(() => mergeReports([closed, open], { sameProcess: false })).toThrow(/not one run/);
    const mixed = part({ latencies: [1, 2], perConnection: [2], firsts: [1], cpu: 1, routes: [[1], [2]] });
    expect(() => mergeReports([closed, mixed], { sameProcess: false })).toThrow(/different mixes/);
  });
});
