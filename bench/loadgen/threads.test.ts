import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadOptions } from './engine.js';
import { runThreads } from './threads.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A server in this process that counts the requests it answers. */
async function counting(): Promise<{ port: number; seen: { requests: number } }> {
  const seen = { requests: 0 };
  server = createServer((_req, res) => {
    seen.requests++;
    res.end('ok');
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, seen };
}

const options = (port: number, o: Partial<LoadOptions>): LoadOptions => ({
  host: '127.0.0.1',
  port,
  path: '/',
  method: 'GET',
  headers: [],
  connections: 4,
  pipelining: 1,
  timeoutSec: 5,
  ...o,
});

describe('a run in worker threads', () => {
  it('sends exactly a request count, split over the threads, and reports it merged', async () => {
    const { port, seen } = await counting();
    const { report, perThread } = await runThreads(options(port, { requests: 600 }), 2);
    expect(perThread).toEqual([300, 300]);
    expect(report.requests).toBe(600);
    // And each connection's first request, before the clock.
    expect(seen.requests).toBe(604);
    expect(report.perConnection).toHaveLength(4);
    expect(report.errors + report.timeouts + report.resets).toBe(0);
  });

  it('keeps an open loop’s rate: together the threads are due what the whole run is, within 1%', async () => {
    const { port } = await counting();
    const { report } = await runThreads(options(port, { rate: 600, durationSec: 1 }), 3);
    expect(report.openLoop?.offeredRps).toBeCloseTo(600, 6);
    expect(Math.abs((report.openLoop?.due ?? 0) - 600)).toBeLessThanOrEqual(6);
  });

  it('reports a thread that fails instead of waiting for it, and stops the others', async () => {
    const { port } = await counting();
    // Neither a duration nor a request count: every thread's engine refuses to start.
    await expect(runThreads(options(port, {}), 2)).rejects.toThrow(/^thread \d of 2 failed: runLoad: give a duration or a request count/);
  });

  it('refuses more threads than connections', async () => {
    await expect(runThreads(options(1, { connections: 2, requests: 10 }), 3)).rejects.toThrow(/none of the 2 connections/);
  });
});
