import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectionEnds, descriptorsLeft, holdsSocket, openFilesLimit, parseProcNetTcp, TCP_ESTABLISHED } from './proc-net.js';
import { recordingServer, until } from './test-support/recording-server.js';

describe('/proc', () => {
  it('parses /proc/net/tcp lines: ports, state, queues and inode', () => {
    const text = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:D4A2 0100007F:1F90 01 0000A000:00000010 00:00000000 00000000  1000        0 777 1 0000000000000000 20 4 30 10 -1',
    ].join('\n');
    expect(parseProcNetTcp(text)).toEqual([
      { localPort: 8080, remotePort: 0, state: 10, txQueue: 0, rxQueue: 0, inode: 4242 },
      { localPort: 54434, remotePort: 8080, state: TCP_ESTABLISHED, txQueue: 40960, rxQueue: 16, inode: 777 },
    ]);
  });

  it('finds both ends of a live connection, the bytes waiting on each, and the process that holds each end', async () => {
    const { port, seen } = await recordingServer((c) => c.socket.pause());
    const client = connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => client.once('connect', resolve));
    try {
      await until(() => seen.length === 1);
      client.write('x'.repeat(1000));
      let ends = connectionEnds(client.localPort ?? 0, port);
      await until(() => {
        ends = connectionEnds(client.localPort ?? 0, port);
        return ends.server?.rxQueue === 1000;
      });
      expect(ends.server?.rxQueue).toBe(1000);
      expect(ends.client?.txQueue).toBe(0);
      // This process holds both ends; it is its own server here.
      expect(holdsSocket(process.pid, ends.client?.inode ?? -1)).toBe(true);
      expect(holdsSocket(process.pid, ends.server?.inode ?? -1)).toBe(true);
      expect(holdsSocket(process.pid, 1)).toBe(false);
    } finally {
      client.destroy();
    }
  });

  it('reads the descriptor limit and what is left of it', () => {
    const limit = openFilesLimit('self');
    expect(limit).toBeGreaterThan(0);
    expect(descriptorsLeft('self')).toBeLessThan(limit ?? 0);
    expect(openFilesLimit(2 ** 22 + 1)).toBeNull();
  });
});
