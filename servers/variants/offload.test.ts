import { describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { offload } from './offload.js';
import { singleLoop } from './single-loop.js';
import type { ServerVariant } from './types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: t\r\n\r\n`;
/** Long enough (about 100 ms) that a quick request sent after it is read while it runs. */
const HEAVY = '/cpu?iterations=50000000';

/**
 * Sends a heavy /cpu on one connection, then each quick request on a connection of its own while
 * it runs, and returns the targets in the order their answers came back.
 */
async function answerOrder(variant: ServerVariant, quick: string[]): Promise<string[]> {
  const s = await variant.start({ port: 0, host: '127.0.0.1', workers: 1 });
  const clients = await Promise.all([HEAVY, ...quick].map(() => RawClient.open(s.port)));
  try {
    const order: string[] = [];
    const answered = [HEAVY, ...quick].map(async (target, i) => {
      const c = clients[i] as RawClient;
      c.write(get(target));
      if (i === 0) await sleep(20);
      const [r] = await c.responses(1);
      expect(r?.status).toBe(200);
      order.push(target);
    });
    await Promise.all(answered);
    return order;
  } finally {
    for (const c of clients) c.destroy();
    await s.close(1_000);
  }
}

describe('offload', () => {
  it('runs only the CPU-heavy routes in its pool: quick and I/O-bound requests are answered while one runs', async () => {
    // In this process, as the server is: a heavy /cpu on the loop itself would hold every answer.
    const order = await answerOrder(offload, ['/json', '/io?ms=10', '/plaintext']);
    expect(order).toHaveLength(4);
    expect(order.at(-1)).toBe(HEAVY);
  });

  it('is what single-loop is not: there the same quick requests wait for the heavy one', async () => {
    const order = await answerOrder(singleLoop, ['/json', '/plaintext']);
    expect(order[0]).toBe(HEAVY);
  });

  it('says which routes it offloads and with how many threads', async () => {
    const s = await offload.start({ port: 0, host: '127.0.0.1', workers: 1, extra: { 'max-queue': 8 } });
    try {
      expect(s.info).toEqual({ workers: 1, maxQueue: 8, queue: 'fifo', offloads: '/cpu' });
    } finally {
      await s.close(1_000);
    }
  });
});
