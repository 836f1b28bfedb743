import { afterEach, describe, expect, it } from 'vitest';
import { singleLoop } from '../../servers/variants/single-loop.js';
import type { RunningServer } from '../../servers/variants/types.js';
import { Slowloris, slowHead } from './slowloris-client.js';
import { recordingServer, sleep, until } from './test-support/recording-server.js';

let variant: RunningServer | undefined;
afterEach(async () => {
  await variant?.close(200);
  variant = undefined;
});

describe('the slowloris client', () => {
  it('sends exactly one byte per interval, each in a write of its own, of a head that never ends', async () => {
    const { port, seen } = await recordingServer();
    const slow = await Slowloris.open({ host: '127.0.0.1', port, count: 2, intervalMs: 100 });
    await sleep(450);
    slow.stop();
    await sleep(150);
    const f = slow.figures();
    slow.close();
    expect(seen).toHaveLength(2);
    for (const c of seen) {
      // Bytes at 0, 100, 200, 300 and 400 ms (fewer if the machine fires timers late, never more),
      // and none after stop().
      expect(c.chunks.length).toBeGreaterThanOrEqual(2);
      expect(c.chunks.length).toBeLessThanOrEqual(6);
      expect(c.chunks.every((ch) => ch.bytes.length === 1)).toBe(true);
      const gaps = c.chunks.slice(1).map((ch, i) => ch.at - (c.chunks[i]?.at ?? 0));
      expect(Math.min(...gaps)).toBeGreaterThan(60);
      expect(Buffer.concat(c.chunks.map((ch) => ch.bytes)).toString('latin1')).toBe('GET /p'.slice(0, c.chunks.length));
    }
    expect(f).toMatchObject({ asked: 2, opened: 2, failed: 0, answered408: 0, neverAnswered: 2, closedUnanswered: 0 });
    expect(f.bytesSent.max).toBe(Math.max(...seen.map((c) => c.chunks.length)));
    await until(() => seen.every((c) => c.closedAt !== null));
    expect(seen.every((c) => c.closedAt !== null)).toBe(true);
  });

  it('spells a request line and Host, then a header value that never ends', () => {
    const byteAt = slowHead('127.0.0.1', 8080, '/plaintext');
    const text = Buffer.from(Array.from({ length: 70 }, (_, i) => byteAt(i))).toString('latin1');
    const prefix = 'GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-Slowloris: ';
    expect(text).toBe(prefix + 'a'.repeat(70 - prefix.length));
    expect(text).not.toContain('\r\n\r\n');
  });

  it('sees a 408 and the close, times them from its first byte, and stops dripping', async () => {
    const { port, seen } = await recordingServer((c) => {
      // The second connection is never answered.
      if (c.index === 0) setTimeout(() => c.socket.end('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'), 250);
    });
    const slow = await Slowloris.open({ host: '127.0.0.1', port, count: 2, intervalMs: 50, concurrency: 1 });
    await until(() => seen[0]?.closedAt !== null && seen[0]?.closedAt !== undefined);
    await sleep(150);
    const f = slow.figures();
    slow.close();
    expect(f).toMatchObject({ opened: 2, answered408: 1, otherAnswers: 0, statuses: { '408': 1 }, closedUnanswered: 0, neverAnswered: 1 });
    expect(f.answered408AfterMs?.p50).toBeGreaterThanOrEqual(200);
    expect(f.answered408AfterMs?.p50).toBeLessThan(1_000);
    // No byte after the answer.
    const answeredAt = (seen[0]?.openedAt ?? 0) + 250;
    expect(seen[0]?.chunks.filter((ch) => ch.at > answeredAt + 60)).toEqual([]);
  });

  it('against the core: every connection answered 408 at the headers timeout', async () => {
    variant = await singleLoop.start({ port: 0, host: '127.0.0.1', connection: { headersTimeoutMs: 300 } });
    const slow = await Slowloris.open({ host: '127.0.0.1', port: variant.port, count: 3, intervalMs: 100 });
    // Until the three answers are in (at about 300 ms, later on a busy machine), not a fixed sleep.
    await until(() => slow.figures().answered408 === 3, 5_000);
    const f = slow.figures();
    slow.close();
    expect(f).toMatchObject({ opened: 3, answered408: 3, neverAnswered: 0, closedUnanswered: 0 });
    expect(f.answered408AfterMs?.min).toBeGreaterThanOrEqual(290);
  });
});
