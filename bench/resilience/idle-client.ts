// The idle flood: connections opened and then held without a byte sent, as a client that
// connects and never speaks (or an attacker exhausting connection slots) holds them. What is
// measured is what the server does with them: which it closes, and when.

import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type OpenManyOptions, openMany } from './open-many.js';
import { type Spread, spreadOf } from './spread.js';

/** What the server did with the idle connections. */
export interface IdleFigures {
  /** Connections asked for, opened, and failed to open. */
  asked: number;
  opened: number;
  failed: number;
  /** Failed connects by cause (an error code, `timeout`, or `out of time` for those never begun). */
  failures: Record<string, number>;
  /** Closed (or reset) by the server before the end. */
  closedByServer: number;
  /** Of those, answered with some bytes first (a server may say 408 to a connection that never sent a request). */
  answeredBeforeClose: number;
  /** How long after its connect each of those was closed, in ms; null when none was. */
  closedAfterMs: Spread | null;
  /** Still open at the end, closed from this side then. */
  openAtEnd: number;
}

interface Held {
  socket: Socket;
  openedAt: number;
  closedAt: number | null;
  answered: boolean;
}

/** Idle connections held open until close(). */
export class IdleConnections {
  private readonly held: Held[] = [];
  private closing = false;
  private asked = 0;
  private failed = 0;
  private failures: Record<string, number> = {};

  /** Opens `count` connections and holds them, sending nothing; resolves once every connect is done. */
  static async open(opts: OpenManyOptions): Promise<IdleConnections> {
    const idle = new IdleConnections();
    idle.asked = opts.count;
    const result = await openMany(opts, (socket, _, openedAt) => idle.hold(socket, openedAt));
    idle.failed = result.failed;
    idle.failures = result.failures;
    return idle;
  }

  private hold(socket: Socket, openedAt: number): void {
    const h: Held = { socket, openedAt, closedAt: null, answered: false };
    this.held.push(h);
    // Read what the server says, so its close is seen; it is answered with nothing.
    socket.on('data', () => {
      h.answered = true;
    });
    socket.on('close', () => {
      if (!this.closing && h.closedAt === null) h.closedAt = performance.now();
    });
  }

  /** What happened to them so far. */
  figures(): IdleFigures {
    const closed = this.held.filter((h) => h.closedAt !== null);
    return {
      asked: this.asked,
      opened: this.held.length,
      failed: this.failed,
      failures: this.failures,
      closedByServer: closed.length,
      answeredBeforeClose: closed.filter((h) => h.answered).length,
      closedAfterMs: spreadOf(closed.map((h) => (h.closedAt as number) - h.openedAt)),
      openAtEnd: this.held.length - closed.length,
    };
  }

  /** Closes every connection still open. */
  close(): void {
    this.closing = true;
    for (const h of this.held) h.socket.destroy();
  }
}
