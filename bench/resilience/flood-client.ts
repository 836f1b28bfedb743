// The pipelining flood: one client writes a great many pipelined requests and reads none of the
// answers, then reads them (or gives up after a bound). A server with backpressure stops reading
// once its answers cannot leave: then the client's writes stall, the rest waiting in the two
// kernels' buffers. A server without it reads on, and keeps what it read (requests or answers)
// in memory: the harness watches the server's RSS meanwhile.

import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ResponseReader } from '../loadgen/response-reader.js';
import { connectionEnds } from './proc-net.js';

/** Where, what, how many, and how patiently. */
export interface FloodOptions {
  host: string;
  port: number;
  /** Path and query of every GET. */
  path: string;
  requests: number;
  /** Writes that make no progress this long mean the server stopped reading (default 1 s). */
  stallMs?: number;
  /** Stop waiting for the writes (neither done nor stalled) after this long, and go on to read (default 10 s). */
  sendBoundMs?: number;
  /** Once reading, give up after this long without every answer (default 20 s). */
  readBoundMs?: number;
  /** Requests per write (default 16): what the kernel took is known to within one write where libuv does not say how much of it it still holds. */
  chunkRequests?: number;
  /** A connect not done within this fails the flood (default 5 s). */
  connectTimeoutMs?: number;
}

/** What the flood came to. */
export interface FloodFigures {
  requests: number;
  /** Bytes of one request. */
  requestBytes: number;
  /** The client's writes stopped making progress before every request was written. */
  writesStalled: boolean;
  /** From the first write to the start of the write that stalled, in ms; null when none did. */
  stalledAfterMs: number | null;
  /** Bytes the client's kernel had taken once the server's reading settled, before the client read anything. */
  acceptedBytes: number;
  /**
   * Of those, bytes the server's process had read: accepted less what still waited in the
   * client's send queue and the server's receive queue (/proc/net/tcp); null when those could
   * not be read (the connection was gone).
   */
  serverReadBytes: number | null;
  /** Request bytes waiting then in the client's send queue and in the server's receive queue. */
  queuedBytes: { client: number; server: number } | null;
  /** Answer bytes waiting then in the client's receive queue and in the server's send queue: what the server wrote that the client had not read. */
  answersQueuedBytes: { client: number; server: number } | null;
  /** The server left bytes it had received unread while the client was not reading its answers: it applied backpressure. Null when unknown (the connection was gone, or the server was still reading when the settle bound ran out). */
  stoppedReading: boolean | null;
  /** Every request answered (`served`); the server closed or reset the connection first (`closed`); neither within the read bound (`gave-up`). */
  outcome: 'served' | 'closed' | 'gave-up';
  /** Answers read, and those not 2xx. */
  responses: number;
  non2xx: number;
  /** How long it all took, in ms. */
  durationMs: number;
}

/** Where the server's reading stands: what the client's kernel took, what the server read of it, and what waits in between. */
interface Reading {
  /** The server's reading stopped changing for SETTLED_MS; false when SETTLE_BOUND_MS ran out first (it was still reading). */
  settled: boolean;
  accepted: number;
  serverRead: number;
  queues: { client: number; server: number };
  answers: { client: number; server: number };
}

/** Queues unchanged this long: the server's reading has settled (it read all, or stopped). */
const SETTLED_MS = 500;
/** At most this long waiting for it to settle. */
const SETTLE_BOUND_MS = 5_000;

/**
 * Runs the flood, and closes its connection whatever happens. Throws only when it cannot connect.
 *
 * 1. Writes every request, one write at a time, reading nothing, until all are written, a write
 *    makes no progress for `stallMs`, or `sendBoundMs` has passed. The kernels' buffers on loopback hold megabytes (the client's
 *    send buffer grows to tcp_wmem's maximum, 4 MiB by default), so a flood of 100,000 short
 *    requests can fit in them whole: that the writes went through says nothing of the server.
 * 2. So then it reads the two ends' queues from /proc/net/tcp until they stop changing: what the
 *    server's process read is what the client's kernel took less what still waits in them. A
 *    server that leaves received bytes unread stopped reading: backpressure.
 * 3. Then it reads every answer, the rest of the requests still being written, until all are
 *    answered, the server closes the connection, or `readBoundMs` passes.
 */
export async function pipelineFlood(opts: FloodOptions): Promise<FloodFigures> {
  const stallMs = opts.stallMs ?? 1_000;
  const readBoundMs = opts.readBoundMs ?? 20_000;
  const perChunk = Math.max(1, opts.chunkRequests ?? 16);
  const request = Buffer.from(`GET ${opts.path} HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\n\r\n`, 'latin1');
  const socket = await connectWithin(opts.host, opts.port, opts.connectTimeoutMs ?? 5_000);
  const startedAt = performance.now();
  const localPort = socket.localPort ?? -1;
  // Not read until step 3: the answers pile up in the kernel, as behind a client that never reads.
  socket.pause();
  let gone = false;
  const goneNow = new Promise<false>((resolve) => {
    const mark = () => {
      gone = true;
      resolve(false);
    };
    socket.once('error', mark);
    socket.once('close', mark);
  });
  socket.on('error', () => {});

  let written = 0;
  let completedBytes = 0;
  let pending: Buffer | null = null;
  let stopped = false;
  let stalledAt: number | null = null;
  let onStall: () => void = () => {};
  const stallSeen = new Promise<void>((resolve) => {
    onStall = resolve;
  });
  const full = Buffer.concat(Array.from({ length: perChunk }, () => request));
  /** Bytes the client's kernel has taken: every write completed, and of the one under way what libuv no longer holds. */
  const acceptedNow = () => {
    const queued = (socket as unknown as { _handle?: { writeQueueSize?: unknown } })._handle?.writeQueueSize;
    const partial = pending !== null && typeof queued === 'number' && queued <= pending.length ? pending.length - queued : 0;
    return completedBytes + partial;
  };

  // One write in flight at a time, so what the kernel took is known (exactly, while libuv tells
  // how much of the write under way it still holds; else to within that write).
  const writer = (async () => {
    while (written < opts.requests && !stopped && !gone) {
      const k = Math.min(perChunk, opts.requests - written);
      const chunk = k === perChunk ? full : full.subarray(0, k * request.length);
      const began = performance.now();
      pending = chunk;
      const done = new Promise<boolean>((resolve) => socket.write(chunk, (e) => resolve(e === null || e === undefined)));
      let timer: NodeJS.Timeout | undefined;
      const tooLong = new Promise<'stalled'>((resolve) => {
        timer = setTimeout(() => resolve('stalled'), stallMs);
      });
      let ok = await Promise.race([done, tooLong, goneNow]);
      clearTimeout(timer);
      if (ok === 'stalled') {
        if (stalledAt === null) {
          stalledAt = began - startedAt;
          onStall();
        }
        ok = await Promise.race([done, goneNow]);
      }
      pending = null;
      if (!ok) return;
      completedBytes += chunk.length;
      written += k;
      // A write the kernel takes at once completes on the next tick: without a turn of the event
      // loop now and then, a server in this same process (as in tests) would never get to read.
      if (written % (perChunk * 64) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  })();

  let sendBound: NodeJS.Timeout | undefined;
  await Promise.race([
    writer,
    stallSeen,
    goneNow,
    new Promise((resolve) => {
      sendBound = setTimeout(resolve, opts.sendBoundMs ?? 10_000);
    }),
  ]);
  clearTimeout(sendBound);
  const reading = await settledReading(socket, localPort, opts.port, acceptedNow, () => gone);

  const reader = new ResponseReader();
  let responses = 0;
  const outcome = await new Promise<FloodFigures['outcome']>((resolve) => {
    const bound = setTimeout(() => resolve('gave-up'), readBoundMs);
    const finish = (o: FloodFigures['outcome']) => {
      clearTimeout(bound);
      resolve(o);
    };
    socket.on('data', (d: Buffer) => {
      responses += reader.feed(d, 0, d.length);
      if (responses >= opts.requests) finish('served');
    });
    socket.once('close', () => finish(responses >= opts.requests ? 'served' : 'closed'));
    socket.resume();
    // Gone already: what was read before the close is delivered on resume, then that is all.
    if (gone) setImmediate(() => finish(responses >= opts.requests ? 'served' : 'closed'));
  });
  stopped = true;
  socket.destroy();
  await writer;

  return {
    requests: opts.requests,
    requestBytes: request.length,
    writesStalled: stalledAt !== null,
    stalledAfterMs: stalledAt === null ? null : Math.round(stalledAt),
    acceptedBytes: reading?.accepted ?? acceptedNow(),
    serverReadBytes: reading?.serverRead ?? null,
    queuedBytes: reading?.queues ?? null,
    answersQueuedBytes: reading?.answers ?? null,
    // Bytes left unread prove backpressure only once the server's reading has settled: a server
    // still reading when the bound ran out may just be slow.
    stoppedReading: reading === null || !reading.settled ? null : reading.queues.server > 0 || reading.queues.client > 0,
    outcome,
    responses,
    non2xx: reader.non2xx,
    durationMs: Math.round(performance.now() - startedAt),
  };
}

/**
 * Reads the connection's queues every 100 ms until what the server has read stops changing for
 * SETTLED_MS (it read everything, or stopped reading), for SETTLE_BOUND_MS at most; null once the
 * connection is gone (a server that closed it has nothing left to read).
 */
async function settledReading(socket: Socket, clientPort: number, serverPort: number, acceptedNow: () => number, gone: () => boolean): Promise<Reading | null> {
  const started = performance.now();
  let last: Reading | null = null;
  let since = started;
  for (;;) {
    if (gone() || socket.destroyed) return null;
    const ends = connectionEnds(clientPort, serverPort);
    if (ends.client === undefined || ends.server === undefined) return null;
    const accepted = acceptedNow();
    const queues = { client: ends.client.txQueue, server: ends.server.rxQueue };
    const answers = { client: ends.client.rxQueue, server: ends.server.txQueue };
    const now: Reading = { settled: false, accepted, serverRead: Math.max(0, accepted - queues.client - queues.server), queues, answers };
    const t = performance.now();
    if (last === null || now.serverRead !== last.serverRead || now.accepted !== last.accepted) since = t;
    last = now;
    if (t - since >= SETTLED_MS) return { ...last, settled: true };
    if (t - started >= SETTLE_BOUND_MS) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function connectWithin(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`could not connect to ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (e) => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
