import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../test-support/raw-client.js';
import type { Handler } from './connection.js';
import type { Response } from './response.js';
import { CoreServer } from './server.js';

const H = 'Host: localhost\r\n';
const echo: Handler = (req) => ({ status: 200, contentType: 'application/octet-stream', body: req.body });

let server: CoreServer | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.close(500);
  server = undefined;
});

async function start(handler: Handler, options = {}): Promise<{ port: number; sockets: Socket[] }> {
  server = new CoreServer(handler, options);
  const sockets: Socket[] = [];
  server.server.on('connection', (s) => sockets.push(s));
  const { port } = await server.listen(0, '127.0.0.1');
  return { port, sockets };
}

async function open(port: number): Promise<RawClient> {
  const c = await RawClient.open(port);
  clients.push(c);
  return c;
}

const until = async (cond: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return cond();
};

describe('connection handler', () => {
  it('stops reading from a client that does not read its responses, and catches up when it does', async () => {
    const { port, sockets } = await start(echo);
    const c = await open(port);
    c.socket.pause();
    const body = Buffer.alloc(64 * 1024, 0x61);
    const request = Buffer.concat([Buffer.from(`POST /echo HTTP/1.1\r\n${H}Content-Length: ${body.length}\r\n\r\n`), body]);
    const count = 200;
    for (let i = 0; i < count; i++) c.socket.write(request);
    await new Promise((r) => setTimeout(r, 500));
    const s = sockets[0] as Socket;
    // The server holds at most a few responses in memory instead of the 12.8 MB it was sent.
    expect(s.writableLength).toBeLessThan(1024 * 1024);
    expect(s.bytesRead).toBeLessThan(request.length * count);
    c.socket.resume();
    const got = await c.responses(count, { timeoutMs: 20_000 });
    expect(got.every((r) => r.status === 200 && r.body.length === body.length)).toBe(true);
  });

  it('holds at most maxPipelined unanswered requests, then answers them all in order', async () => {
    const pending: Array<() => void> = [];
    const handler: Handler = (req) =>
      new Promise<Response>((resolve) => pending.push(() => resolve({ status: 200, contentType: 'text/plain', body: req.target })));
    const { port } = await start(handler, { maxPipelined: 8 });
    const c = await open(port);
    let batch = '';
    for (let i = 0; i < 30; i++) batch += `GET /${i} HTTP/1.1\r\n${H}\r\n`;
    c.write(batch);
    await until(() => pending.length >= 8);
    await new Promise((r) => setTimeout(r, 100));
    expect(pending.length).toBe(8);
    // Finish them newest first: the responses must still come out in request order.
    const release = async () => {
      while (pending.length > 0) {
        const batchNow = pending.splice(0);
        for (const fn of batchNow.reverse()) fn();
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const releasing = (async () => {
      for (let i = 0; i < 10; i++) await release();
    })();
    const got = await c.responses(30);
    await releasing;
    expect(got.map((r) => r.body.toString())).toEqual(Array.from({ length: 30 }, (_, i) => `/${i}`));
  });

  it('frees a connection whose client disconnects mid-body', async () => {
    const { port } = await start(echo);
    const c = await open(port);
    c.write(`POST /echo HTTP/1.1\r\n${H}Content-Length: 100000\r\n\r\n${'x'.repeat(5000)}`);
    expect(await until(() => server?.connectionCount === 1)).toBe(true);
    c.destroy();
    expect(await until(() => server?.connectionCount === 0)).toBe(true);
  });

  it('answers a request whose client half-closes right after sending it', async () => {
    const { port } = await start(() => new Promise((r) => setTimeout(() => r({ status: 200, contentType: 'text/plain', body: 'late' }), 50)));
    const c = await open(port);
    c.socket.end(`GET / HTTP/1.1\r\n${H}\r\n`);
    const [r] = await c.responses(1);
    expect(r?.body.toString()).toBe('late');
  });

  it('answers 400 to a request cut short by the client half-closing', async () => {
    const { port } = await start(echo);
    const c = await open(port);
    c.socket.end(`POST /echo HTTP/1.1\r\n${H}Content-Length: 10\r\n\r\nabc`);
    const [r] = await c.responses(1);
    expect(r?.status).toBe(400);
  });

  it('answers 500 when a handler throws or rejects, and keeps the connection', async () => {
    const { port } = await start((req) => {
      if (req.target === '/throw') throw new Error('boom');
      if (req.target === '/reject') return Promise.reject(new Error('boom'));
      return { status: 200, contentType: 'text/plain', body: 'fine' };
    });
    const c = await open(port);
    c.write(`GET /throw HTTP/1.1\r\n${H}\r\nGET /reject HTTP/1.1\r\n${H}\r\nGET /ok HTTP/1.1\r\n${H}\r\n`);
    const got = await c.responses(3);
    expect(got.map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('answers 408 when a body trickles in past the request timeout', async () => {
    const { port } = await start(echo, { requestTimeoutMs: 300, headersTimeoutMs: 200 });
    const c = await open(port);
    c.write(`POST /echo HTTP/1.1\r\n${H}Content-Length: 1000\r\n\r\n`);
    const trickle = setInterval(() => c.write('x'), 30);
    try {
      const [r] = await c.responses(1);
      expect(r?.status).toBe(408);
    } finally {
      clearInterval(trickle);
    }
  });
});
