import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGone } from '../lib/processes.js';
import { autocannonLoadgen } from '../loadgen/autocannon.js';
import { sampleAlternately } from './alternate.js';
import { start } from './lifecycle.js';

const fixture = (name: string) => join(import.meta.dirname, '..', 'test-support', name);

describe('sampleAlternately', () => {
  it('alternates the contenders with a fresh server per sample, and one that crashes mid-sample fails alone', async () => {
    const pids: Record<string, number[]> = { steady: [], crashing: [] };
    const order: string[] = [];
    const contender = (name: string, argv?: string[]) => ({
      name,
      start: async () => {
        const started = await start('single-loop', { pin: [], argv });
        if (started.status === 'ok') pids[name]?.push(started.server.pid);
        order.push(name);
        return started;
      },
    });
    const got = await sampleAlternately(
      // The fixture serves the real routes and exits after 200 requests: in its first sample.
      [contender('steady'), contender('crashing', [process.execPath, fixture('crashing-server.mjs')])],
      { variant: 'single-loop', workload: 'plaintext', connections: 1, pipelining: 1 },
      {
        settings: { warmupSec: 0, durationSec: 0.5, repetitions: 3 },
        loadgen: autocannonLoadgen,
        pinning: { loadgenPin: [], serverCpus: 1, serverCpuList: null, loadgenCpuList: null },
      },
    );

    const steady = got.get('steady');
    const crashing = got.get('crashing');
    expect(steady).toMatchObject({ status: 'ok', workload: 'plaintext', connections: 1 });
    expect(steady?.repetitions).toHaveLength(3);
    expect(crashing).toMatchObject({ status: 'failed', reason: 'sample 1 of 3: the server exited during the run (crashed)' });
    expect(crashing?.repetitions).toHaveLength(1);
    // A B, then B's turn skipped once it failed; a server of its own for every sample, each stopped.
    expect(order).toEqual(['steady', 'crashing', 'steady', 'steady']);
    expect(new Set(pids.steady).size).toBe(3);
    expect([...(pids.steady ?? []), ...(pids.crashing ?? [])].every(isGone)).toBe(true);
  }, 30_000);
});
