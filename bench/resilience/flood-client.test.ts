import { afterEach, describe, expect, it } from 'vitest';
import { singleLoop } from '../../servers/variants/single-loop.js';
import type { RunningServer } from '../../servers/variants/types.js';
import { pipelineFlood } from './flood-client.js';
import { recordingServer, until } from './test-support/recording-server.js';

let variant: RunningServer | undefined;
afterEach(async () => {
  await variant?.close(200);
  variant = undefined;
});

describe('the pipelining flood client', () => {
  it('stops when the server stops reading, says what the server read (the rest waits in the kernels), gives up after its bound, and closes', async () => {
    // Reads 64 KiB, then nothing more, and never answers.
    let read = 0;
    let reading = false;
    const { port, seen } = await recordingServer((c) => {
      c.socket.on('data', (d: Buffer) => {
        read += d.length;
        if (read >= 65_536 && !reading) c.socket.pause();
      });
    });
    // 10 MB: more than the kernels' buffers on loopback take (the send buffer grows to 4 MiB).
    // The send bound is far beyond the first stall (it stops there), so a slow machine still stalls first.
    const f = await pipelineFlood({ host: '127.0.0.1', port, path: '/plaintext', requests: 200_000, stallMs: 300, sendBoundMs: 30_000, readBoundMs: 300 });
    const socket = seen[0]?.socket;
    // What the server's process took from the kernel: what it was handed, and what Node read ahead into its buffer.
    const taken = read + (socket?.readableLength ?? 0);
    expect(f.writesStalled).toBe(true);
    expect(f.stoppedReading).toBe(true);
    expect(f.serverReadBytes).toBe(taken);
    expect(f.acceptedBytes).toBeLessThan(200_000 * f.requestBytes);
    expect(f.acceptedBytes).toBe(taken + (f.queuedBytes?.client ?? 0) + (f.queuedBytes?.server ?? 0));
    expect(f).toMatchObject({ outcome: 'gave-up', responses: 0, answersQueuedBytes: { client: 0, server: 0 } });
    // The client closed its end: once the server reads again, what was queued arrives and then the end.
    reading = true;
    socket?.resume();
    await until(() => seen[0]?.closedAt !== null, 5_000);
    expect(seen[0]?.closedAt).not.toBeNull();
  });

  it('against the core: every request answered once it reads', async () => {
    variant = await singleLoop.start({ port: 0, host: '127.0.0.1' });
    const f = await pipelineFlood({ host: '127.0.0.1', port: variant.port, path: '/plaintext', requests: 3_000, readBoundMs: 5_000 });
    expect(f).toMatchObject({ outcome: 'served', responses: 3_000, non2xx: 0, writesStalled: false });
    expect(f.serverReadBytes).not.toBeNull();
  });

  it('reports a server that answers one request and closes', async () => {
    const { port } = await recordingServer((c) =>
      c.socket.once('data', () => c.socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok')),
    );
    const f = await pipelineFlood({ host: '127.0.0.1', port, path: '/plaintext', requests: 1_000, readBoundMs: 2_000 });
    expect(f).toMatchObject({ outcome: 'closed', responses: 1 });
  });
});
