// Our parser driven over an input cut into pieces, its results in the form llhttp's are compared
// with; and the check that the pieces change nothing.

import type { OurResult, ParsedRequest } from '../../servers/core/llhttp-differences.js';
import { type HttpRequest, type ParserOptions, RequestParser } from '../../servers/core/parser.js';
import { everyByte, feedPieces } from '../../servers/core/pieces.js';

export { everyByte };

/** Every request our parser completed from an input, in order, and how the input ended. */
export interface OurRun {
  readonly requests: Array<Extract<OurResult, { verdict: 'accept' }>>;
  /** After the last complete request: a refusal, or nothing more (the rest is incomplete or empty). */
  readonly end: Extract<OurResult, { verdict: 'reject' | 'wait' }>;
}

const WAIT = Object.freeze({ verdict: 'wait' as const });

function describe(r: HttpRequest): ParsedRequest {
  return {
    method: r.method,
    target: r.target,
    version: r.versionMinor === 1 ? '1.1' : '1.0',
    headers: r.headers.entries(),
    body: r.body.toString('latin1'),
    keepAlive: r.keepAlive,
  };
}

/** Parses `input` fed in pieces cut at `cuts` (ascending offsets inside it), draining after each piece. */
export function runOurs(input: Buffer, cuts: readonly number[] = [], options: ParserOptions = {}): OurRun {
  const requests: OurRun['requests'] = [];
  // A `continue` depends on where the bytes were cut; it is no verdict.
  const refused = feedPieces(new RequestParser({}, options), input, cuts, (r) => requests.push({ verdict: 'accept', request: describe(r) }));
  return { requests, end: refused === null ? WAIT : { verdict: 'reject', status: refused.status, code: refused.code } };
}

/** The result for request `i` of a run. */
export function ourResultAt(run: OurRun, i: number): OurResult {
  return run.requests[i] ?? run.end;
}

/** 1 to `maxCuts` distinct random cut points, ascending, inside an input of `length` bytes. */
export function randomCuts(length: number, maxCuts: number, random: () => number): number[] {
  if (length < 2) return [];
  const n = 1 + Math.floor(random() * maxCuts);
  const cuts = new Set<number>();
  for (let i = 0; i < n; i++) cuts.add(1 + Math.floor(random() * (length - 1)));
  return [...cuts].sort((a, b) => a - b);
}

/** Two runs are the same verdicts and the same requests. */
export function sameRun(a: OurRun, b: OurRun): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** How an input was fed when the parser answered differently from fed whole. */
export interface SplitDependence {
  readonly how: string;
  readonly whole: OurRun;
  readonly split: OurRun;
}

/**
 * Feeds `input` whole, whole through the resumable scanner alone, one byte at a time, and cut at
 * random (`randomSplits` times), or in two at every boundary when `everySplit`; the first way that
 * answers differently from whole, or null. A verdict must not depend on how the bytes arrive.
 */
export function splitDependence(input: Buffer, whole: OurRun, random: () => number, randomSplits: number, everySplit = false): SplitDependence | null {
  const ways: Array<[string, () => OurRun]> = [
    ['the resumable scanner alone', () => runOurs(input, [], { fastPath: false })],
    ['one byte at a time', () => runOurs(input, everyByte(input.length))],
  ];
  for (let i = 0; i < randomSplits; i++) {
    const cuts = randomCuts(input.length, 4, random);
    ways.push([`cut at ${cuts.join(', ')}`, () => runOurs(input, cuts)]);
  }
  if (everySplit) for (let at = 1; at < input.length; at++) ways.push([`cut at ${at}`, () => runOurs(input, [at])]);
  for (const [how, run] of ways) {
    const split = run();
    if (!sameRun(whole, split)) return { how, whole, split };
  }
  return null;
}
