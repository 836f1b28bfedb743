// Drives a RequestParser over bytes cut into given pieces, for the parser's tests.

import type { ParserLimits } from '../limits.js';
import type { ParseErrorCode } from '../parse-error.js';
import { type HttpRequest, type ParserOptions, RequestParser } from '../parser.js';
import { everyByte, feedPieces } from '../pieces.js';

export { everyByte };

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
  const refused = feedPieces(
    parser,
    raw,
    cuts,
    (r) => events.push(describeRequest(r)),
    () => continues++,
  );
  if (refused === null) return { events, incomplete: parser.inRequest, continues };
  events.push({ error: refused.status, code: refused.code, reason: refused.reason });
  return { events, incomplete: false, continues };
}

/** Up to `pieces` - 1 distinct random cut points in ascending order. */
export function randomCuts(length: number, pieces: number, random: () => number): number[] {
  const cuts = new Set<number>();
  for (let i = 1; i < pieces && length > 1; i++) cuts.add(1 + Math.floor(random() * (length - 1)));
  return [...cuts].sort((a, b) => a - b);
}
