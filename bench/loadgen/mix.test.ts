// Every load generator runs a workload's mix: the server sees each request of it, body and all,
// about as often as its weight says; only the builtin one reports figures per request.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workload } from '../plan/scenarios.js';
import { loadgenNames, loadgens } from './registry.js';

const BODY = Buffer.from('a body of its own');
// The request with a body first: a generator must not lend its body, or its Content-Length, to
// the others.
const MIX: Workload = {
  description: 'three requests, one with a body',
  requests: [
    { method: 'POST', path: '/echo', weight: 1, body: BODY },
    { method: 'GET', path: '/a', weight: 7 },
    { method: 'GET', path: '/b?x=1', weight: 2 },
  ],
};

let server: Server;
let origin = '';
const seen: string[] = [];
const badBodies: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      const body = Buffer.concat(chunks);
      if (req.method === 'POST' && !body.equals(BODY)) badBodies.push(body.toString());
      if (req.method === 'GET' && (body.length > 0 || req.headers['content-length'] !== undefined)) badBodies.push(`${req.url}: ${body.toString()}`);
      res.end(req.method === 'POST' ? body : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe.each(loadgenNames)('%s runs a mix', (name) => {
  const gen = loadgens[name];
  it.skipIf(!gen.available())(
    'sends each request of the mix by its weight, bodies included',
    async () => {
      seen.length = 0;
      badBodies.length = 0;
      const sample = await gen.run({ origin, workload: MIX, connections: 4, pipelining: 1, durationSec: 1, pin: [] });
      expect(sample.errors + sample.timeouts + sample.non2xx).toBe(0);
      expect(badBodies).toEqual([]);
      // Enough answers for the shares below to be told apart from the weights (not a speed).
      expect(seen.length).toBeGreaterThan(100);
      for (const [request, share] of [
        ['GET /a', 0.7],
        ['GET /b?x=1', 0.2],
        ['POST /echo', 0.1],
      ] as const) {
        const got = seen.filter((s) => s === request).length / seen.length;
        expect(Math.abs(got - share), `${request}: ${got}`).toBeLessThan(4 * Math.sqrt((share * (1 - share)) / seen.length) + 0.01);
      }
      if (name === 'builtin') {
        expect(sample.routes?.map((r) => r.label)).toEqual(['POST /echo', 'GET /a', 'GET /b?x=1']);
        expect(sample.routes?.reduce((n, r) => n + r.requests, 0)).toBe(sample.requests);
      } else {
        // autocannon and wrk report latency over every request only.
        expect(sample.routes).toBeNull();
      }
    },
    20_000,
  );
});

describe('builtin', () => {
  it('sends a body larger than one command-line argument may be (its options go through a file)', async () => {
    const big = Buffer.alloc(300 * 1024, 0x61);
    seen.length = 0;
    badBodies.length = 0;
    const huge: Workload = { description: 'a 300 KiB body', requests: [{ method: 'POST', path: '/echo', weight: 1, body: big }] };
    const server2 = createServer((req, res) => {
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => {
        // Every byte of the body, or the answer is not a 2xx and counts against the run.
        res.statusCode = n === big.length ? 200 : 400;
        res.end(String(n));
      });
    });
    await new Promise<void>((resolve) => server2.listen(0, '127.0.0.1', resolve));
    try {
      const sample = await loadgens.builtin.run({
        origin: `http://127.0.0.1:${(server2.address() as AddressInfo).port}`,
        workload: huge,
        connections: 1,
        pipelining: 1,
        durationSec: 0.3,
        pin: [],
      });
      expect(sample.errors + sample.timeouts + sample.non2xx).toBe(0);
      expect(sample.requests).toBeGreaterThan(0);
    } finally {
      server2.closeAllConnections();
      await new Promise((resolve) => server2.close(resolve));
    }
  }, 20_000);
});
