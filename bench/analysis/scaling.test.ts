import { describe, expect, it } from 'vitest';
import { scalingOf, stopReason } from './scaling.js';
import { fixtureResults } from './test-support/fixture.js';
import { scalingRun } from './test-support/scaling-fixture.js';

describe('scaling', () => {
  it('gives each model its curve against the ideal, its efficiency, memory per worker, and single-loop as the reference', () => {
    const s = scalingOf(scalingRun(), { connections: 64, pipelining: 1 });
    expect(s).not.toBeNull();
    const cluster = s?.curves.find((c) => c.variant === 'cluster');
    expect(cluster?.points.map((p) => [p.workers, p.idealRps, p.efficiency])).toEqual([
      [1, 25_000, 1],
      [2, 50_000, 0.96],
      [4, 100_000, 0.6],
    ]);
    expect(cluster?.points[2]?.rssPerWorkerBytes).toBe(40 * 1024 * 1024);
    expect(cluster?.points[0]?.kernelShare).toBeCloseTo(0.2);
    expect(s?.reference).toEqual([{ workload: 'plaintext', variant: 'single-loop', rps: 30_000 }]);
    expect(s?.notMeasurable).toEqual([8]);
    expect(s?.serverCpus).toBe(4);
  });

  it('says where each model stopped scaling and why: the generator, a cost per request that grew', () => {
    const s = scalingOf(scalingRun(), { connections: 64, pipelining: 1 });
    expect(s?.curves.find((c) => c.variant === 'cluster')?.stop).toEqual({ workers: 4, efficiency: 0.6, why: { kind: 'generator' } });
    const pool = s?.curves.find((c) => c.variant === 'worker-pool')?.stop;
    expect(pool).toMatchObject({ workers: 2, efficiency: 10_000 / 16_000, why: { kind: 'cost', fromUs: 100, toUs: 160 } });
    if (pool?.why.kind !== 'cost') throw new Error('a cost');
    expect(pool.why.kernelFrom).toBeCloseTo(0.2);
    expect(pool.why.kernelTo).toBeCloseTo(0.6 / 1.6);
  });

  it('blames CPUs the work did not reach, or, not pinned, the generator sharing them', () => {
    const one = {
      workers: 1,
      rps: { median: 1, min: 1, max: 1 },
      idealRps: 1,
      efficiency: 1,
      cpuUsPerRequest: 20,
      kernelShare: 0.2,
      serverCpuShare: 0.95,
      rssPerWorkerBytes: 1,
      clientBound: false,
      loadgenCpus: 0.5,
    };
    const idle = { ...one, workers: 2, efficiency: 0.6, serverCpuShare: 0.55, loadgenCpus: 0.9 };
    expect(stopReason(idle, one, null)).toEqual({ kind: 'idle-cpus', serverCpuShare: 0.55 });
    // Not pinned, on 2 CPUs: the workers' 1.1 and the generator's 0.9 kept both busy.
    expect(stopReason(idle, one, { cpus: 2 })).toEqual({ kind: 'shared', loadgenCpus: 0.9, machineBusy: 1, cpus: 2 });
    // ... but with the generator at 0.3, a CPU's worth was idle: the work did not reach the workers.
    expect(stopReason({ ...idle, loadgenCpus: 0.3 }, one, { cpus: 2 })).toEqual({ kind: 'idle-cpus', serverCpuShare: 0.55 });
    expect(stopReason({ ...idle, serverCpuShare: 0.97 }, one, null)).toEqual({ kind: 'unexplained' });
  });

  it('has nothing to say of a run that chose no worker counts', () => {
    expect(scalingOf(fixtureResults(), { connections: 64, pipelining: 1 })).toBeNull();
  });
});
