// One conformance suite for every variant (the pattern of hono's router tests): each variant runs
// every case below over real sockets on port 0, and lists the cases it skips with a reason.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuWork } from '../routes/cpu.js';
import { RawClient } from '../test-support/raw-client.js';
import type { CaseName, Skips } from './conformance-names.js';
import type { RunningServer, ServerVariant } from './types.js';

/** Short timeouts, so the timeout cases finish quickly. */
export const SUITE_TIMEOUTS = { headersTimeoutMs: 400, keepAliveTimeoutMs: 800, requestTimeoutMs: 5_000 } as const;

const H = 'Host: localhost\r\n';
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;

export function conformanceSuite(variant: ServerVariant, skips: Skips = {}): void {
  describe(`conformance: ${variant.name}`, () => {
    let server: RunningServer;
    const clients: RawClient[] = [];
    const open = async () => {
      const c = await RawClient.open(server.port);
      clients.push(c);
      return c;
    };
    /** One request on a connection of its own (every variant answers the first request of a connection). */
    const exchange = async (raw: string, head = false) => {
      const c = await open();
      c.write(raw);
      const [r] = await c.responses(1, { head: [head] });
      return r as NonNullable<typeof r>;
    };

    beforeAll(async () => {
      server = await variant.start({ port: 0, host: '127.0.0.1', workers: 2, connection: SUITE_TIMEOUTS });
    });
    afterAll(async () => {
      for (const c of clients) c.destroy();
      await server?.close(1_000);
    });

    const test = (name: CaseName, fn: () => Promise<void>) => {
      const reason = skips[name];
      if (reason !== undefined) it.skip(`${name} (skipped: ${reason})`, fn);
      else it(name, fn);
    };

    test('routes and required headers', async () => {
      const [plain, json, cpu, io, echo, missing, wrongMethod] = await Promise.all([
        exchange(`GET /plaintext HTTP/1.1\r\n${H}\r\n`),
        exchange(`GET /json HTTP/1.1\r\n${H}\r\n`),
        exchange(`GET /cpu?iterations=1000 HTTP/1.1\r\n${H}\r\n`),
        exchange(`GET /io?ms=5 HTTP/1.1\r\n${H}\r\n`),
        exchange(`POST /echo HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabc`),
        exchange(`GET /missing HTTP/1.1\r\n${H}\r\n`),
        exchange(`DELETE /plaintext HTTP/1.1\r\n${H}\r\n`),
      ]);
      for (const r of [plain, json, cpu, io, echo, missing, wrongMethod]) {
        expect(r.headers.server).toBe('cbench');
        expect(r.headers.date).toMatch(IMF_FIXDATE);
        expect(r.headers['content-type']).toBeDefined();
        expect(Number(r.headers['content-length'])).toBe(r.body.length);
      }
      expect(plain).toMatchObject({ status: 200, headers: { 'content-type': 'text/plain' } });
      expect(plain.body.toString()).toBe('Hello, World!');
      expect(json.headers['content-type']).toBe('application/json');
      expect(JSON.parse(String(json.body))).toEqual({ message: 'Hello, World!' });
      expect(JSON.parse(String(cpu.body))).toEqual({ iterations: 1000, result: cpuWork(1000).toString(16).padStart(8, '0') });
      expect(JSON.parse(String(io.body))).toEqual({ waitedMs: 5 });
      expect(echo).toMatchObject({ status: 200, headers: { 'content-type': 'application/octet-stream' } });
      expect(echo.body.toString()).toBe('abc');
      expect(missing.status).toBe(404);
      expect(wrongMethod).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
    });

    test('keep-alive', async () => {
      const c = await open();
      for (let i = 0; i < 3; i++) {
        c.write(`GET /plaintext HTTP/1.1\r\n${H}\r\n`);
        const all = await c.responses(i + 1);
        expect(all[i]?.status).toBe(200);
        expect(all[i]?.headers.connection).not.toBe('close');
      }
      expect(c.isClosed).toBe(false);
    });

    test('pipelining in request order', async () => {
      // 16 requests in one write; the early ones wait longest, so their handlers finish last.
      const c = await open();
      let batch = '';
      for (let i = 0; i < 16; i++) batch += i % 2 === 0 ? `GET /io?ms=${(16 - i) * 3} HTTP/1.1\r\n${H}\r\n` : `GET /cpu?iterations=${i} HTTP/1.1\r\n${H}\r\n`;
      c.write(batch);
      const got = await c.responses(16);
      got.forEach((r, i) => {
        const body = JSON.parse(String(r.body));
        expect(body).toEqual(i % 2 === 0 ? { waitedMs: (16 - i) * 3 } : { iterations: i, result: cpuWork(i).toString(16).padStart(8, '0') });
      });
    });

    test('one-byte fragmentation', async () => {
      const c = await open();
      await c.writeBytewise(`POST /echo HTTP/1.1\r\n${H}Content-Length: 5\r\n\r\nhello`);
      const [r] = await c.responses(1);
      expect(r?.body.toString()).toBe('hello');
    });

    test('chunked upload', async () => {
      const c = await open();
      const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
      c.write(`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`);
      for (let i = 0; i < body.length; i += 1000) {
        c.write(`${(1000).toString(16)};ext=1\r\n`);
        c.write(body.subarray(i, i + 1000));
        c.write('\r\n');
      }
      c.write('0\r\nX-Trailer: t\r\n\r\n');
      const [r] = await c.responses(1);
      expect(r?.status).toBe(200);
      expect(r?.body.equals(body)).toBe(true);
    });

    test('HEAD', async () => {
      const c = await open();
      c.write(`HEAD /plaintext HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
      const [head] = await c.responses(1, { head: [true] });
      expect(head).toMatchObject({ status: 200, headers: { 'content-length': '13', 'content-type': 'text/plain' } });
      expect(await c.closedWithin(2_000)).toBe(true);
      // Nothing after the empty line: the headers of a GET, without its body.
      expect(c.text.endsWith('\r\n\r\n')).toBe(true);
    });

    test('Connection: close', async () => {
      const c = await open();
      c.write(`GET /plaintext HTTP/1.1\r\n${H}Connection: close\r\n\r\n`);
      const [r] = await c.responses(1);
      expect(r?.headers.connection).toBe('close');
      expect(await c.closedWithin(2_000)).toBe(true);
    });

    test('HTTP/1.0', async () => {
      const c = await open();
      c.write('GET /plaintext HTTP/1.0\r\n\r\n');
      expect((await c.responses(1))[0]?.body.toString()).toBe('Hello, World!');
      expect(await c.closedWithin(2_000)).toBe(true);
    });

    test('HTTP/1.0 keep-alive', async () => {
      const c = await open();
      c.write('GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
      const [r] = await c.responses(1);
      expect(r?.headers.connection?.toLowerCase()).toBe('keep-alive');
      c.write('GET /json HTTP/1.0\r\n\r\n');
      expect((await c.responses(2))[1]?.status).toBe(200);
    });

    test('error then close', async () => {
      const c = await open();
      c.write(`GET /x HTTP/1.1\r\nHost : bad\r\n\r\nPOST /echo HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nhi`);
      const [bad] = await c.responses(1);
      expect(bad?.status).toBe(400);
      expect(await c.closedWithin(2_000)).toBe(true);
      expect(c.text.split('HTTP/1.1 ').length - 1).toBe(1); // the request after the bad bytes got nothing
    });

    // Where the core was looser than llhttp (issue 14): each is refused, and as soon as the bytes
    // show it, without waiting for the rest of the head.
    test('no looser than llhttp', async () => {
      const whole: Array<[string, number]> = [
        ['ANNOUNCE /x HTTP/1.0\r\n\r\n', 501],
        [`MKCOLA / HTTP/1.1\r\n${H}\r\n`, 501],
        [`GET /\xce\xb4\xc2\xb6/\xce\xb4t/pope?q=1 HTTP/1.1\r\n${H}\r\n`, 400],
      ];
      for (const [raw, status] of whole) expect((await exchange(raw)).status, raw.slice(0, 20)).toBe(status);
      const cut: Array<[string, number]> = [
        [`POST /echo HTTP/1.1\r\n${H}Content-Length: 1000000000000000000000\r\nX-Next: `, 413],
        ['GET / HTTP/5.6', 505],
      ];
      for (const [raw, status] of cut) {
        const c = await open();
        c.write(raw);
        const [r] = await c.responses(1, { timeoutMs: 1_000 });
        expect(r?.status, raw.slice(0, 20)).toBe(status);
        expect(await c.closedWithin(2_000)).toBe(true);
      }
    });

    test('a valid request pipelined before a bad one is answered', async () => {
      const c = await open();
      c.write(`GET /plaintext HTTP/1.1\r\n${H}\r\nGET /x HTTP/1.1\r\nHost : bad\r\n\r\nPOST /echo HTTP/1.1\r\n${H}Content-Length: 2\r\n\r\nhi`);
      const [ok, bad] = await c.responses(2);
      expect(ok?.status).toBe(200);
      expect(bad?.status).toBe(400);
      expect(await c.closedWithin(2_000)).toBe(true);
      expect(c.text.split('HTTP/1.1 ').length - 1).toBe(2);
    });

    test('limits', async () => {
      const cases: Array<[string, number]> = [
        [`POST /echo HTTP/1.1\r\n${H}Content-Length: ${1024 * 1024 + 1}\r\n\r\n`, 413],
        [`GET /${'a'.repeat(9000)} HTTP/1.1\r\n${H}\r\n`, 414],
        [`GET / HTTP/1.1\r\n${H}X: ${'y'.repeat(17_000)}\r\n\r\n`, 431],
        [`GET / HTTP/2.0\r\n${H}\r\n`, 505],
        [`POST /echo HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n`, 501],
      ];
      for (const [raw, status] of cases) {
        const c = await open();
        c.write(raw);
        expect((await c.responses(1))[0]?.status, raw.slice(0, 40)).toBe(status);
        expect(await c.closedWithin(2_000)).toBe(true);
      }
    });

    test('Expect: 100-continue', async () => {
      const c = await open();
      c.write(`POST /echo HTTP/1.1\r\n${H}Content-Length: 4\r\nExpect: 100-continue\r\n\r\n`);
      const [interim] = await c.responses(1);
      expect(interim?.status).toBe(100);
      c.write('body');
      const [, final] = await c.responses(2);
      expect(final?.body.toString()).toBe('body');
    });

    test('slowloris dropped with 408', async () => {
      const c = await open();
      c.write(`GET /plaintext HTTP/1.1\r\n${H}`);
      const trickle = setInterval(() => c.write('X: y\r\n'), 50);
      try {
        expect(await c.closedWithin(SUITE_TIMEOUTS.headersTimeoutMs + 3_000)).toBe(true);
      } finally {
        clearInterval(trickle);
      }
      expect(c.text).toMatch(/^HTTP\/1\.1 408 /);
    });

    test('idle keep-alive timeout', async () => {
      const c = await open();
      c.write(`GET /plaintext HTTP/1.1\r\n${H}\r\n`);
      await c.responses(1);
      expect(await c.closedWithin(SUITE_TIMEOUTS.keepAliveTimeoutMs + 3_000)).toBe(true);
    });

    test('client disconnects mid-body', async () => {
      const quitter = await open();
      quitter.write(`POST /echo HTTP/1.1\r\n${H}Content-Length: 100000\r\n\r\n${'x'.repeat(1000)}`);
      await new Promise((r) => setTimeout(r, 50));
      quitter.destroy();
      const next = await open();
      next.write(`GET /plaintext HTTP/1.1\r\n${H}\r\n`);
      expect((await next.responses(1))[0]?.status).toBe(200);
    });

    test('graceful close', async () => {
      // Its own server: closing the shared one would end the other cases.
      const own = await variant.start({ port: 0, host: '127.0.0.1', workers: 2, connection: SUITE_TIMEOUTS });
      const c = await RawClient.open(own.port);
      clients.push(c);
      c.write(`GET /io?ms=300 HTTP/1.1\r\n${H}\r\n`);
      await new Promise((r) => setTimeout(r, 50));
      const closing = own.close(3_000);
      const [r] = await c.responses(1);
      expect(r?.status).toBe(200);
      await closing;
      expect(await c.closedWithin(1_000)).toBe(true);
      await expect(RawClient.open(own.port)).rejects.toThrow();
    });
  });
}
