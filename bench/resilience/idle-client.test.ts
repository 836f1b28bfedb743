import { describe, expect, it } from 'vitest';
import { IdleConnections } from './idle-client.js';
import { closedPort, recordingServer, sleep, until } from './test-support/recording-server.js';

describe('the idle client', () => {
  it('holds its connections without a byte, counts the ones the server closed and when, and closes the rest', async () => {
    const { port, seen } = await recordingServer((c) => {
      if (c.index === 1) setTimeout(() => c.socket.end(), 150);
      if (c.index === 2) setTimeout(() => c.socket.end('HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\n\r\n'), 150);
    });
    const idle = await IdleConnections.open({ host: '127.0.0.1', port, count: 4, concurrency: 2 });
    // Long past the server's 150 ms timers, however late a loaded machine fires them.
    await sleep(1_000);
    const f = idle.figures();
    idle.close();
    expect(f).toMatchObject({ asked: 4, opened: 4, failed: 0, closedByServer: 2, answeredBeforeClose: 1, openAtEnd: 2 });
    // Closed by the server's timers, not before them.
    expect(f.closedAfterMs?.min).toBeGreaterThanOrEqual(120);
    expect(seen.every((c) => c.chunks.length === 0)).toBe(true);
    await until(() => seen.every((c) => c.closedAt !== null));
    expect(seen.filter((c) => c.closedAt === null)).toEqual([]);
  });

  it('counts connections it could not open, by cause', async () => {
    const idle = await IdleConnections.open({ host: '127.0.0.1', port: await closedPort(), count: 3 });
    const f = idle.figures();
    idle.close();
    expect(f).toMatchObject({ asked: 3, opened: 0, failed: 3, failures: { ECONNREFUSED: 3 }, closedByServer: 0, closedAfterMs: null });
  });

  it('begins no connect after its deadline', async () => {
    const { port } = await recordingServer();
    const idle = await IdleConnections.open({ host: '127.0.0.1', port, count: 5, deadline: Date.now() - 1 });
    const f = idle.figures();
    idle.close();
    expect(f).toMatchObject({ opened: 0, failed: 5, failures: { 'out of time': 5 } });
  });
});
