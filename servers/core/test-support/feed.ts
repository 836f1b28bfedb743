// Drives a RequestParser over bytes cut into given pieces, for the parser's tests.

import type { ParseErrorCode } from '../parse-error.js';
import { type HttpRequest, type ParserLimits, type ParserOptions, RequestParser } from '../parser.js';

/** A request or an error, in a form that compares with toEqual. */
export type Outcome =
  | { method: string; target: string; version: string; headers: Array<[string, string]>; body: string; keepAlive: boolean; expectContinue: boolean }
  | { error: number; code: ParseErrorCode; reason: string };

/** Everything the parser yielded, and whether it stopped mid-request. */
export interface FeedResult {
  events: Outcome[];
  incomplete: boolean;
  /** How many `continue` events came out (these depend on how the bytes were cut). */
  continues: number;
}

export function describeRequest(r: HttpRequest): Outcome {
  return {
    method: r.method,
    target: r.target,
    version: r.versionMinor === 1 ? 'HTTP/1.1' : 'HTTP/1.0',
    headers: r.headers.entries(),
    body: r.body.toString('latin1'),
    keepAlive: r.keepAlive,
    expectContinue: r.expectContinue,
  };
}

/** Feeds raw cut at the given offsets (ascending, inside the buffer) and drains after each piece. */
export function feedSplit(raw: Buffer, cuts: readonly number[], limits?: Partial<ParserLimits>, options?: ParserOptions): FeedResult {
  const parser = new RequestParser(limits, options);
  const events: Outcome[] = [];
  let continues = 0;
  let from = 0;
  // A guard against a parser that stops making progress: each next() must consume or yield.
  let budget = raw.length * 4 + cuts.length * 4 + 64;
  for (const to of [...cuts, raw.length]) {
    parser.feed(raw.subarray(from, to));
    from = to;
    for (;;) {
      if (--budget < 0) throw new Error('parser made no progress');
      const ev = parser.next();
      if (ev.kind === 'need-more') break;
      if (ev.kind === 'continue') {
        continues++;
        continue;
      }
      if (ev.kind === 'error') {
        events.push({ error: ev.status, code: ev.code, reason: ev.reason });
        return { events, incomplete: false, continues };
      }
      events.push(describeRequest(ev));
    }
  }
  return { events, incomplete: parser.inRequest, continues };
}

/** Cut points for one byte at a time. */
export function everyByte(length: number): number[] {
  return Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);
}

/** Up to `pieces` - 1 distinct random cut points in ascending order. */
export function randomCuts(length: number, pieces: number, random: () => number): number[] {
  const cuts = new Set<number>();
  for (let i = 1; i < pieces && length > 1; i++) cuts.add(1 + Math.floor(random() * (length - 1)));
  return [...cuts].sort((a, b) => a - b);
}
