// Your own app on every concurrency model: each registered variant serves an app module written
// here (a CPU-flagged route, a POST body, async handlers, one that throws, one that never
// answers), beside the built-in routes, and reports where each handler ran.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import { variantNames, variants } from './registry.js';
import type { RunningServer } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'cbench-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const APP = join(dir, 'app.mjs');
writeFileSync(
  APP,
  `import { threadId } from 'node:worker_threads';
const where = () => ({ pid: process.pid, thread: threadId });
export default {
  routes: {
    'GET /hello': (req) => ({ status: 200, contentType: 'text/plain', body: 'hello ' + (req.query.get('name') ?? 'you') }),
    'GET /where': () => ({ status: 200, contentType: 'application/json', body: JSON.stringify(where()) }),
    'GET /heavy': { cpu: true, handler: () => ({ status: 200, contentType: 'application/json', body: JSON.stringify(where()) }) },
    'POST /upper': async (req) => ({ status: 201, contentType: 'text/plain', body: Buffer.from(req.body).toString().toUpperCase(), headers: { 'X-Length': String(req.body.length) } }),
    'GET /agent': async (req) => { await new Promise((r) => setTimeout(r, 5)); return { status: 200, contentType: 'text/plain', body: req.headers.get('X-AGENT') ?? 'none' }; },
    'GET /json': () => ({ status: 200, contentType: 'application/json', body: '{"mine":true}' }),
    'GET /throws': () => { throw new Error('broken on purpose'); },
    'GET /rejects': async () => { throw new Error('rejected on purpose'); },
    'GET /bad-status': () => ({ status: 'ok', contentType: 'text/plain', body: '' }),
    'GET /bad-headers': async () => ({ status: 200, contentType: 'text/plain', body: 'x', headers: [null] }),
    'GET /empty': () => ({ status: 204, contentType: 'text/plain', body: '' }),
    'PURGE /cache': () => ({ status: 200, contentType: 'text/plain', body: 'purged' }),
    'GET /never': () => new Promise(() => {}),
  },
};
`,
);

/** The app's handlers get this long before their request is answered 503. */
const TIMEOUT_MS = 400;

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request on a connection of its own (the blocking variant serves one per connection). */
async function send(port: number, method: string, target: string, opts: { body?: string; headers?: string[] } = {}): Promise<Reply> {
  const c = await RawClient.open(port);
  try {
    const body = opts.body ?? '';
    const head = [`${method} ${target} HTTP/1.1`, 'Host: t', ...(opts.headers ?? []), ...(body === '' ? [] : [`Content-Length: ${Buffer.byteLength(body)}`])];
    c.write(`${head.join('\r\n')}\r\n\r\n${body}`);
    const [r] = await c.responses(1, { head: [method === 'HEAD'] });
    if (r === undefined) throw new Error(`no answer to ${method} ${target}`);
    return { status: r.status, headers: r.headers, body: r.body.toString() };
  } finally {
    c.destroy();
  }
}

describe.each(variantNames)('%s serves an app', (name) => {
  it('its routes, beside the built-in ones; a handler that throws, rejects or answers nonsense gets 500, one that never answers 503, and the server goes on', async () => {
    const server: RunningServer = await variants[name].start({
      port: 0,
      host: '127.0.0.1',
      workers: 1,
      app: APP,
      connection: { requestTimeoutMs: TIMEOUT_MS },
    });
    try {
      const p = server.port;
      expect(await send(p, 'GET', '/hello?name=ada')).toMatchObject({ status: 200, body: 'hello ada', headers: { 'content-type': 'text/plain' } });
      const upper = await send(p, 'POST', '/upper', { body: 'shout this' });
      expect(upper).toMatchObject({ status: 201, body: 'SHOUT THIS', headers: { 'x-length': '10' } });
      expect(await send(p, 'GET', '/agent', { headers: ['x-agent: tester'] })).toMatchObject({ status: 200, body: 'tester' });
      // The app's route wins over the built-in one at the same path; the others are still there.
      expect(await send(p, 'GET', '/json')).toMatchObject({ body: '{"mine":true}' });
      expect(await send(p, 'GET', '/plaintext')).toMatchObject({ status: 200, body: 'Hello, World!' });
      expect(await send(p, 'GET', '/no-such-path')).toMatchObject({ status: 404 });
      // A method of the app's own is implemented (any other is 501, before routes are looked up).
      expect(await send(p, 'PURGE', '/cache')).toMatchObject({ status: 200, body: 'purged' });
      expect((await send(p, 'PURGE', '/elsewhere')).status).toBe(404);
      if (name !== 'node-http') expect((await send(p, 'MKCOLA', '/cache')).status).toBe(501);
      // HEAD where GET is; 405 with Allow for a method the app's path does not take.
      expect(await send(p, 'HEAD', '/hello')).toMatchObject({ status: 200, body: '' });
      expect(await send(p, 'DELETE', '/hello')).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });

      for (const broken of ['/throws', '/rejects', '/bad-status', '/bad-headers']) expect((await send(p, 'GET', broken)).status, broken).toBe(500);
      const empty = await send(p, 'GET', '/empty');
      expect(empty.status).toBe(204);
      // A 204 carries no Content-Length (RFC 9110 §8.6).
      expect(empty.headers['content-length']).toBeUndefined();
      const started = Date.now();
      const never = await send(p, 'GET', '/never');
      expect(never.status).toBe(503);
      expect(never.body).toMatch(/did not answer within 400 ms/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      // Still serving, the app's routes and the built-in ones.
      expect(await send(p, 'GET', '/hello')).toMatchObject({ status: 200, body: 'hello you' });
      expect(await send(p, 'GET', '/cpu?iterations=1000')).toMatchObject({ status: 200 });

      // Where the handlers ran: the worker pool runs every one in a thread, offload only the
      // route marked cpu, cluster in its worker processes, the rest on the main thread.
      const quick = JSON.parse((await send(p, 'GET', '/where')).body) as { pid: number; thread: number };
      const heavy = JSON.parse((await send(p, 'GET', '/heavy')).body) as { pid: number; thread: number };
      const inPool = { quick: name === 'worker-pool', heavy: name === 'worker-pool' || name === 'offload' };
      expect(quick.thread !== 0, 'quick route in a thread').toBe(inPool.quick);
      expect(heavy.thread !== 0, 'cpu route in a thread').toBe(inPool.heavy);
      expect(quick.pid !== process.pid, 'in another process').toBe(name === 'cluster');
      if (name === 'offload') expect(server.info.offloads).toBe('/cpu,GET:/heavy');
    } finally {
      await server.close(1_000);
    }
  }, 20_000);
});
