import { describe, expect, it } from 'vitest';
import { CONN_CLOSE, CONN_KEEP_ALIVE, CONN_NONE, httpDate, serializeResponse } from './response.js';

describe('response writer', () => {
  const res = { status: 200, contentType: 'text/plain', body: 'héllo' };

  it('writes status line, Server, Date, Content-Type and a byte-exact Content-Length', () => {
    const out = serializeResponse(res, CONN_NONE, false) as string;
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\nServer: cbench\r\nDate: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
    expect(out).toContain('Content-Type: text/plain\r\nContent-Length: 6\r\n\r\nhéllo');
  });

  it('sends the headers of a HEAD response without the body', () => {
    const out = serializeResponse(res, CONN_NONE, true) as string;
    expect(out.endsWith('Content-Length: 6\r\n\r\n')).toBe(true);
  });

  it('says close, or keep-alive to an HTTP/1.0 client that asked for it', () => {
    expect(serializeResponse(res, CONN_CLOSE, false)).toContain('Connection: close\r\n');
    expect(serializeResponse(res, CONN_KEEP_ALIVE, false)).toContain('Connection: keep-alive\r\n');
    expect(serializeResponse(res, CONN_NONE, false)).not.toContain('Connection:');
  });

  it('keeps a buffer body as a separate piece, and adds extra headers', () => {
    const out = serializeResponse({ status: 405, contentType: 'x/y', body: Buffer.from('ab'), headers: [['Allow', 'GET']] }, CONN_NONE, false);
    expect(Array.isArray(out)).toBe(true);
    const [head, body] = out as [string, Buffer];
    expect(head).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(head).toContain('Content-Length: 2\r\nAllow: GET\r\n\r\n');
    expect(body.toString()).toBe('ab');
  });

  it('refreshes the cached Date once the second changes', async () => {
    const first = httpDate();
    expect(httpDate()).toBe(first);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(httpDate()).not.toBe(first);
    expect(new Date(httpDate()).getTime()).toBeGreaterThan(Date.now() - 2_000);
  });
});
