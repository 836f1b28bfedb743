import { afterEach, describe, expect, it } from 'vitest';
import { isGone, processTree, type ServerProcess, startServer } from '../lib/processes.js';
import { killWorkerUnderLoad } from './killed-worker.js';

let server: ServerProcess | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('a worker killed under load', () => {
  it('kills one worker by its pid, finds the replacement and its first answer, and counts what failed', async () => {
    server = await startServer('cluster', { extraArgs: ['--workers', '2'] });
    const before = processTree(server.pid).filter((p) => p !== server?.pid);
    expect(before).toHaveLength(2);
    const f = await killWorkerUnderLoad({
      host: '127.0.0.1',
      port: server.port,
      primaryPid: server.pid,
      durationSec: 2,
      killAtSec: 0.6,
      connections: 4,
      timeoutSec: 2,
      loadgenPin: [],
    });
    expect(f.workers).toBe(2);
    expect(f.killedPid).toBe(before[0]);
    expect(isGone(f.killedPid)).toBe(true);
    // The replacement is the new process under the primary, and it answered a probe after it appeared.
    expect(f.replacementPid).not.toBeNull();
    expect(before).not.toContain(f.replacementPid);
    expect(processTree(server.pid)).toContain(f.replacementPid);
    expect(f.servingAfterMs).toBeGreaterThanOrEqual(f.replacedAfterMs ?? Number.POSITIVE_INFINITY);
    expect(f.probes).toBeGreaterThan(0);
    // Only what was in flight on the dead worker's connections is lost: one request each at most.
    expect(f.requests).toBeGreaterThan(0);
    expect(f.failed).toBeLessThanOrEqual(f.connections);
    expect(f.failedShare).toBe(f.failed / (f.requests + f.failed));
    expect(server.exited()).toBe(false);
  });

  it('refuses a server with no worker process under it', async () => {
    server = await startServer('single-loop');
    await expect(
      killWorkerUnderLoad({
        host: '127.0.0.1',
        port: server.port,
        primaryPid: server.pid,
        durationSec: 1,
        killAtSec: 0.2,
        connections: 1,
        timeoutSec: 1,
        loadgenPin: [],
      }),
    ).rejects.toThrow(/no worker process/);
  });
});
