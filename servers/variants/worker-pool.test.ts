import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getOnce } from '../test-support/get-once.js';
import { workerPool } from './worker-pool.js';

const threads = () => readdirSync('/proc/self/task').length;

describe('worker-pool', () => {
  it('answers 503 with Retry-After once its queue is full, instead of queueing without bound', async () => {
    const s = await workerPool.start({ port: 0, host: '127.0.0.1', workers: 1, extra: { 'tasks-per-worker': 1, 'max-queue': 2 } });
    try {
      const results = await Promise.all(Array.from({ length: 8 }, () => getOnce(s.port, '/io?ms=300')));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((x) => x === 200).length).toBeGreaterThanOrEqual(3);
      expect(statuses.filter((x) => x === 503).length).toBeGreaterThanOrEqual(1);
      expect(results.find((r) => r.status === 503)?.headers['retry-after']).toBe('1');
    } finally {
      await s.close(1_000);
    }
  });

  it('runs several /io waits at once in one thread when tasks-per-worker allows', async () => {
    const s = await workerPool.start({ port: 0, host: '127.0.0.1', workers: 1, extra: { 'tasks-per-worker': 8, 'max-queue': 16 } });
    try {
      const results = await Promise.all(Array.from({ length: 8 }, () => getOnce(s.port, '/io?ms=100')));
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(s.info).toMatchObject({ workers: 1, tasksPerWorker: 8, maxQueue: 16 });
    } finally {
      await s.close(1_000);
    }
  });

  it('leaves no thread behind after close', async () => {
    const before = threads();
    const s = await workerPool.start({ port: 0, host: '127.0.0.1', workers: 2 });
    // Options not given take the defaults their declarations give.
    expect(s.info).toEqual({ workers: 2, tasksPerWorker: 1, maxQueue: 1024 });
    expect((await getOnce(s.port, '/cpu?iterations=10')).status).toBe(200);
    expect(threads()).toBeGreaterThanOrEqual(before + 2);
    await s.close(1_000);
    for (let i = 0; i < 50 && threads() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(threads()).toBeLessThanOrEqual(before);
  });
});
