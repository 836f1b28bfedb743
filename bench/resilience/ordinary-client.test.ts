import { describe, expect, it } from 'vitest';
import { ordinaryRequests } from './ordinary-client.js';
import { closedPort, recordingServer, until } from './test-support/recording-server.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

describe('the ordinary client', () => {
  it('sends on a fresh connection at its rate, counts 2xx within the timeout as answered and the rest by cause, and closes every connection', async () => {
    // Connections 0, 2, 4, ... answered at once; 1 and 5 never; 3 with a 503; 7 closed unanswered.
    const { port, seen } = await recordingServer((c) => {
      c.socket.once('data', () => {
        if (c.index === 3) c.socket.end('HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n');
        else if (c.index === 7) c.socket.destroy();
        else if (c.index % 2 === 0) c.socket.end(OK);
      });
    });
    const f = await ordinaryRequests({ host: '127.0.0.1', port, path: '/plaintext', rate: 20, durationSec: 0.5, timeoutMs: 300 });
    expect(f).toMatchObject({ sent: 10, ok: 5, non2xx: 1, timeouts: 3, errors: 1 });
    expect(f.successRate).toBe(0.5);
    expect(seen).toHaveLength(10);
    // One request per connection, asking to close.
    for (const c of seen)
      expect(Buffer.concat(c.chunks.map((x) => x.bytes)).toString()).toBe(`GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    // Sent on their schedule, 50 ms apart: spread over the half second, not all at once (a late
    // timer may bunch two together, so the span is what is checked, not each gap).
    const first = seen[0]?.openedAt ?? 0;
    const last = seen.at(-1)?.openedAt ?? 0;
    expect(last - first).toBeGreaterThanOrEqual(9 * 50 * 0.8);
    await until(() => seen.every((c) => c.closedAt !== null));
    expect(seen.filter((c) => c.closedAt === null)).toEqual([]);
  });

  it('counts refused connections as errors, and resolves with no latency when nothing was answered', async () => {
    const f = await ordinaryRequests({ host: '127.0.0.1', port: await closedPort(), path: '/', rate: 20, durationSec: 0.2, timeoutMs: 200 });
    expect(f).toMatchObject({ sent: 4, ok: 0, errors: 4, successRate: 0, latencyMs: null });
  });

  it('counts latency from when a request was due, so a server that answers late shows it', async () => {
    const { port } = await recordingServer((c) => c.socket.once('data', () => setTimeout(() => c.socket.end(OK), 150)));
    const f = await ordinaryRequests({ host: '127.0.0.1', port, path: '/', rate: 10, durationSec: 0.3, timeoutMs: 1_000 });
    expect(f).toMatchObject({ sent: 3, ok: 3 });
    expect(f.latencyMs?.p50).toBeGreaterThanOrEqual(145);
  });
});
