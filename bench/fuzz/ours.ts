// Our parser driven over an input cut into pieces, its results in the form llhttp's are compared
// with; and the check that the pieces change nothing.

import type { OurResult, ParsedRequest } from '../../servers/core/llhttp-differences.js';
import { type HttpRequest, type ParserOptions, RequestParser } from '../../servers/core/parser.js';

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
  const parser = new RequestParser({}, options);
  const requests: OurRun['requests'] = [];
  let from = 0;
  // A parser that stops making progress would hang the fuzzer: every next() must consume or yield.
  let budget = input.length * 4 + cuts.length * 4 + 64;
  for (const to of [...cuts, input.length]) {
    parser.feed(input.subarray(from, to));
    from = to;
    for (;;) {
      if (--budget < 0) throw new Error('RequestParser made no progress');
      const ev = parser.next();
      if (ev.kind === 'need-more') break;
      if (ev.kind === 'continue') continue; // depends on where the bytes were cut; not a verdict
      if (ev.kind === 'error') return { requests, end: { verdict: 'reject', status: ev.status, code: ev.code } };
      requests.push({ verdict: 'accept', request: describe(ev) });
    }
  }
  return { requests, end: WAIT };
}

/** The result for request `i` of a run. */
export function ourResultAt(run: OurRun, i: number): OurResult {
  return run.requests[i] ?? run.end;
}

/** Cut points for one byte at a time. */
export function everyByte(length: number): number[] {
  return Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);
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
