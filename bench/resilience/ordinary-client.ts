// Ordinary requests sent while the server is under attack: an open loop at a modest fixed rate,
// every request on a fresh connection, its latency counted from when it was due (wrk2's method).
//
// A fresh connection per request, not a pool of warm ones: a pool opened before the attack would
// already be past the server's accept and hold its place there, while what an idle flood or
// slowloris takes from a server is exactly a new client's chance to be accepted and read (on
// blocking, a place in its one-connection-at-a-time line). A new visitor arrives on a new
// connection; and blocking answers one request per connection anyway. At 50 requests a second
// the connects cost nothing worth measuring.

import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ResponseReader } from '../loadgen/response-reader.js';
import { nearestRank } from './spread.js';

/** Where, what, how often, for how long, and how patiently. */
export interface OrdinaryOptions {
  host: string;
  port: number;
  /** Path and query of the GET, e.g. /plaintext. */
  path: string;
  /** Requests due per second, evenly spaced. */
  rate: number;
  durationSec: number;
  /** A request not answered 2xx this long after it was due has failed (a timeout). */
  timeoutMs: number;
}

/** How the ordinary requests fared. */
export interface OrdinaryFigures {
  /** Requests that came due (each was sent on a connection of its own). */
  sent: number;
  /** Answered 2xx within the timeout. */
  ok: number;
  /** Answered, but not 2xx. */
  non2xx: number;
  /** Not answered within the timeout. */
  timeouts: number;
  /** Connection refused, reset, or closed without an answer. */
  errors: number;
  /** ok / sent; 0 when nothing was sent. */
  successRate: number;
  /** Of the 2xx answers, from due time to the whole response, in ms; null when there were none. */
  latencyMs: { p50: number; p99: number; max: number } | null;
}

/** Sends the requests, waits for the last of them (up to the timeout), closes every connection, and resolves with what happened. */
export function ordinaryRequests(opts: OrdinaryOptions): Promise<OrdinaryFigures> {
  const request = Buffer.from(`GET ${opts.path} HTTP/1.1\r\nHost: ${opts.host}:${opts.port}\r\nConnection: close\r\n\r\n`, 'latin1');
  const interval = 1000 / opts.rate;
  const figures: OrdinaryFigures = { sent: 0, ok: 0, non2xx: 0, timeouts: 0, errors: 0, successRate: 0, latencyMs: null };
  const latencies: number[] = [];
  const live = new Set<Socket>();
  let settled = 0;
  return new Promise((resolve) => {
    const start = performance.now();
    // Request i is due at start + i × interval: counted by index, so rounding cannot add one.
    const total = Math.ceil(opts.rate * opts.durationSec - 1e-9);
    let next = 0;
    let scheduler: NodeJS.Timeout | null = null;
    const finishIfDone = () => {
      if (scheduler !== null || settled < figures.sent) return;
      const sorted = latencies.sort((a, b) => a - b);
      const round = (x: number) => Math.round(x * 100) / 100;
      figures.successRate = figures.sent === 0 ? 0 : figures.ok / figures.sent;
      figures.latencyMs =
        sorted.length === 0
          ? null
          : { p50: round(nearestRank(sorted, 0.5)), p99: round(nearestRank(sorted, 0.99)), max: round(sorted[sorted.length - 1] as number) };
      resolve(figures);
    };
    const one = (due: number) => {
      figures.sent++;
      let done = false;
      const settle = (outcome: 'ok' | 'non2xx' | 'timeouts' | 'errors') => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (outcome === 'ok') latencies.push(performance.now() - due);
        figures[outcome]++;
        socket.destroy();
        live.delete(socket);
        settled++;
        finishIfDone();
      };
      const timer = setTimeout(() => settle('timeouts'), Math.max(0, due + opts.timeoutMs - performance.now()));
      const reader = new ResponseReader();
      const socket = connect({ host: opts.host, port: opts.port, noDelay: true });
      live.add(socket);
      socket.once('connect', () => socket.write(request));
      socket.on('data', (d: Buffer) => {
        if (reader.feed(d, 0, d.length) > 0) settle(reader.non2xx > 0 ? 'non2xx' : 'ok');
        else if (reader.error !== null) settle('errors');
      });
      socket.on('error', () => settle('errors'));
      socket.on('close', () => {
        // A body framed by the close ends with it.
        if (reader.end() > 0) settle(reader.non2xx > 0 ? 'non2xx' : 'ok');
        else settle('errors');
      });
    };
    const dueAt = (i: number) => start + i * interval;
    const tick = () => {
      scheduler = null;
      const now = performance.now();
      while (next < total && dueAt(next) <= now) one(dueAt(next++));
      if (next < total) scheduler = setTimeout(tick, Math.max(0, dueAt(next) - performance.now()));
      else finishIfDone();
    };
    tick();
  });
}
