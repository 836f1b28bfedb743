// Small servers on loopback for the attack clients' tests: each records what its connections
// sent and when, and does what the test asks with them. Every one is closed after its test.

import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach } from 'vitest';

/** One connection as the server saw it: each chunk with its arrival time, and when it closed. */
export interface Seen {
  socket: Socket;
  index: number;
  openedAt: number;
  chunks: Array<{ at: number; bytes: Buffer }>;
  closedAt: number | null;
}

const servers: Server[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server on a free loopback port that hands each connection, as it comes, to `onConnection`. */
export async function recordingServer(onConnection: (c: Seen) => void = () => {}): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.push(socket);
    const c: Seen = { socket, index: seen.length, openedAt: performance.now(), chunks: [], closedAt: null };
    seen.push(c);
    socket.on('data', (bytes: Buffer) => c.chunks.push({ at: performance.now(), bytes }));
    socket.on('close', () => {
      c.closedAt = performance.now();
    });
    socket.on('error', () => {});
    onConnection(c);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, seen };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` holds, for `ms` at most. */
export async function until(done: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await sleep(10);
}

/** A port nothing listens on (opened, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
