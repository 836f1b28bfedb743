// A parser fed an input cut into pieces, drained after each piece: how the parser's tests and the
// differential fuzzer check that where the bytes are cut changes nothing.

import type { ParseError } from './parse-error.js';
import type { HttpRequest, RequestParser } from './parser.js';

/**
 * Feeds `input` cut at `cuts` (ascending offsets inside it) to `parser`, passing on every request
 * and counting `continue` events (which depend on the cuts); stops at the first refusal and
 * returns it, or null when the input ran out. Throws for a parser that stops making progress
 * (each next() must consume bytes or yield), so a bug cannot hang a test or the fuzzer.
 */
export function feedPieces(
  parser: RequestParser,
  input: Buffer,
  cuts: readonly number[],
  onRequest: (r: HttpRequest) => void,
  onContinue: () => void = () => {},
): ParseError | null {
  let from = 0;
  let budget = input.length * 4 + cuts.length * 4 + 64;
  for (const to of [...cuts, input.length]) {
    parser.feed(input.subarray(from, to));
    from = to;
    for (;;) {
      if (--budget < 0) throw new Error('RequestParser made no progress');
      const ev = parser.next();
      if (ev.kind === 'need-more') break;
      if (ev.kind === 'continue') onContinue();
      else if (ev.kind === 'error') return ev;
      else onRequest(ev);
    }
  }
  return null;
}

/** Cut points for one byte at a time. */
export function everyByte(length: number): number[] {
  return Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1);
}
