// Opens many connections to one server, a bounded number of connects at a time: thousands at once
// would overflow the server's accept queue (Node listens with a backlog of 511), and a dropped SYN
// is retried only after a second, which would measure the kernel's retry timer, not the server.

import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Where to connect, how many, and how patiently. */
export interface OpenManyOptions {
  host: string;
  port: number;
  count: number;
  /** Connects in progress at once, at most (default 256). */
  concurrency?: number;
  /** A connect not done within this is given up (default 5 s). */
  connectTimeoutMs?: number;
  /** No connect is begun after this time (Date.now()); those left count as failed (`out of time`). */
  deadline?: number;
}

/** What opening them came to: how many opened, how many failed and why (error codes, `timeout`). */
export interface OpenManyResult {
  opened: number;
  failed: number;
  /** Failed connects by cause, e.g. { ECONNREFUSED: 3, timeout: 1 }. */
  failures: Record<string, number>;
}

/**
 * Opens `count` connections; each one that connects is handed to `onOpen` with the time it
 * connected (performance.now()), and from then on belongs to the caller, who must close it. One
 * that fails is destroyed here. Resolves once every connect has succeeded or failed.
 */
export async function openMany(opts: OpenManyOptions, onOpen: (socket: Socket, index: number, openedAt: number) => void): Promise<OpenManyResult> {
  const result: OpenManyResult = { opened: 0, failed: 0, failures: {} };
  const timeoutMs = opts.connectTimeoutMs ?? 5_000;
  let next = 0;
  const one = (index: number) =>
    new Promise<void>((resolve) => {
      const socket = connect({ host: opts.host, port: opts.port, noDelay: true });
      const fail = (cause: string) => {
        clearTimeout(timer);
        socket.destroy();
        result.failed++;
        result.failures[cause] = (result.failures[cause] ?? 0) + 1;
        resolve();
      };
      const timer = setTimeout(() => fail('timeout'), timeoutMs);
      socket.once('error', (e: NodeJS.ErrnoException) => fail(e.code ?? 'error'));
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        // Errors after the connect are the caller's to see; none may go unhandled meanwhile.
        socket.on('error', () => {});
        result.opened++;
        onOpen(socket, index, performance.now());
        resolve();
      });
    });
  const lane = async () => {
    while (next < opts.count) {
      if (opts.deadline !== undefined && Date.now() >= opts.deadline) {
        const left = opts.count - next;
        next = opts.count;
        result.failed += left;
        result.failures['out of time'] = (result.failures['out of time'] ?? 0) + left;
        return;
      }
      await one(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.count, opts.concurrency ?? 256) }, lane));
  return result;
}
