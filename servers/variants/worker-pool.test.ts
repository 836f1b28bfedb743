import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getOnce } from '../test-support/get-once.js';
import { RawClient } from '../test-support/raw-client.js';
import { workerPool } from './worker-pool.js';

const threads = () => readdirSync('/proc/self/task').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: t\r\n\r\n`;

/**
 * Holds the only thread with an /io wait (it fills the one task slot as CPU work would, without
 * spending a shared core), sends one /cpu request on each of n connections while it waits, and
 * returns the connections' indices in the order their answers came back.
 */
async function serviceOrder(port: number, n: number): Promise<number[]> {
  const clients = await Promise.all(Array.from({ length: n + 1 }, () => RawClient.open(port)));
  try {
    const [holder, ...queued] = clients as [RawClient, ...RawClient[]];
    holder.write(get('/io?ms=800'));
    await sleep(20);
    const order: number[] = [];
    const answered: Array<Promise<void>> = [];
    for (const [i, c] of queued.entries()) {
      c.write(get('/cpu'));
      answered.push(
        c.responses(1).then(([r]) => {
          expect(r?.status).toBe(200);
          order.push(i);
        }),
      );
      // The server runs in this process: a timer apart, it has read each request before the next
      // is written, so the order written is the order the tasks reach the pool.
      await sleep(2);
    }
    // Still held: every task was queued before any ran (otherwise the order would prove nothing).
    expect(holder.text).toBe('');
    await Promise.all(answered);
    expect((await holder.responses(1))[0]?.status).toBe(200);
    return order;
  } finally {
    for (const c of clients) c.destroy();
  }
}

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

  it('serves tasks waiting for a busy thread in the order they came (queue fifo)', async () => {
    const s = await workerPool.start({ port: 0, host: '127.0.0.1', workers: 1, extra: { 'tasks-per-worker': 1, queue: 'fifo' } });
    try {
      expect(s.info).toMatchObject({ workers: 1, queue: 'fifo' });
      expect(await serviceOrder(s.port, 16)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    } finally {
      await s.close(1_000);
    }
  });

  it("keeps piscina's own queue with queue piscina, which passes over waiting tasks", async () => {
    const s = await workerPool.start({ port: 0, host: '127.0.0.1', workers: 1, extra: { 'tasks-per-worker': 1, queue: 'piscina' } });
    try {
      expect(s.info).toMatchObject({ workers: 1, queue: 'piscina' });
      const order = await serviceOrder(s.port, 16);
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i));
      // Deterministic, not luck: each time the thread frees, piscina 5 runs the head and sends the
      // next (which it cannot dispatch yet) to the tail. This is what shows the fifo test can fail.
      expect(order).not.toEqual(Array.from({ length: 16 }, (_, i) => i));
    } finally {
      await s.close(1_000);
    }
  });

  it('leaves no thread behind after close', async () => {
    const before = threads();
    const s = await workerPool.start({ port: 0, host: '127.0.0.1', workers: 2 });
    // Options not given take the defaults their declarations give.
    expect(s.info).toEqual({ workers: 2, tasksPerWorker: 1, maxQueue: 1024, queue: 'fifo' });
    expect((await getOnce(s.port, '/cpu?iterations=10')).status).toBe(200);
    expect(threads()).toBeGreaterThanOrEqual(before + 2);
    await s.close(1_000);
    for (let i = 0; i < 50 && threads() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(threads()).toBeLessThanOrEqual(before);
  });
});
