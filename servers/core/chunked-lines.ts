// The lines of a chunked body (RFC 9112 §7.1): chunk-size lines and trailer field lines. Each
// grammar is written once, as a scanner of a line's bytes so far, and lineRefusal judges a line
// with it whether the bytes are the whole line or only its first bytes, so that a line gets one
// answer however its bytes arrive, and is refused as soon as its first bytes rule it out (as
// llhttp refuses it). parser.ts gathers the lines (readLine) and acts on them.

import { BACKSLASH, COLON, CR, DQUOTE, EQUALS, FIELD_VALUE, HEX_VALUE, HTAB, NOT_HEX, QDTEXT, QUOTABLE, SEMI, SP, TOKEN } from './chars.js';
import { isContentLengthName, isTransferEncodingName } from './framing.js';
import type { ParseErrorCode } from './parse-error.js';

/**
 * What a line grammar makes of a line's bytes so far, b[s, e) with the LF left out: `complete`,
 * they match the grammar up to a CR that can end the line; `incomplete`, they hold no such CR
 * but more bytes could still make them match; else the rule they break, whatever follows.
 */
export type LineScan = 'complete' | 'incomplete' | ParseErrorCode;

/** A line grammar: the same answer for the same bytes, whether or not the line's LF has come. */
export type LineGrammar = (b: Buffer, s: number, e: number) => LineScan;

/**
 * The verdict on a chunked body's line, b[s, e), the LF left out: whole (its LF found) or not
 * yet, judged on its first maxLen + 2 bytes at most. In this order, the same either way and
 * however the line was cut: what the grammar rules out; a CR that does not end the
 * line (RFC 9112 §2.2); the length (more than maxLen bytes before the CR); and, for a whole line
 * only, a grammar still `incomplete`: the line ended at an LF without its CR (bare-lf).
 */
export function lineRefusal(grammar: LineGrammar, b: Buffer, s: number, e: number, maxLen: number, whole: boolean): ParseErrorCode | 'too-long' | null {
  // No byte past what the limit lets a line have is read (maxLen, its CR, and the one byte that
  // makes it too long), as the head scanner reads none past its limits: fed a byte at a time, a
  // line is too long the moment it has maxLen + 2 bytes, so a fault further on is never seen, and
  // a whole line must not see it either.
  const scan = grammar(b, s, Math.min(e, s + maxLen + 2));
  if (scan !== 'complete' && scan !== 'incomplete') return scan;
  // A loop, not indexOf: these lines are a few bytes, shorter than a call into C++ costs. A CR is
  // stray when a byte follows it within those maxLen + 2.
  const end = Math.min(e - 1, s + maxLen + 1);
  for (let p = s; p < end; p++) if (b[p] === CR) return 'bare-cr';
  if (e - s > maxLen + 1) return 'too-long';
  return whole && scan === 'incomplete' ? 'bare-lf' : null;
}

/**
 * A chunk-size line (RFC 9112 §7.1, §7.1.1): chunk-size [ chunk-ext ] CRLF, where chunk-size is
 * 1*HEXDIG and chunk-ext is *( ";" token [ "=" ( token / quoted-string ) ] ), without the BWS
 * RFC 9112 allows around ";" and "=" (llhttp refuses it too).
 *
 * Whole or prefix is not this function's to know: it reads b[s, e) left to right and stops at e.
 * Bytes running out where the grammar could go on are `incomplete`; an unquoted CR after a valid
 * size and extensions is `complete` (whether anything follows that CR is lineRefusal's); any other
 * byte out of place is refused, chunk-size-invalid before the first hex digit and
 * chunk-extension-invalid after it. lineRefusal reads `incomplete` on a whole line as bare-lf.
 */
export function scanChunkLine(b: Buffer, s: number, e: number): LineScan {
  let p = s;
  while (p < e && HEX_VALUE[b[p] as number] !== NOT_HEX) p++;
  if (p === e) return 'incomplete';
  if (p === s) return 'chunk-size-invalid';
  for (;;) {
    if (p === e) return 'incomplete';
    if (b[p] === CR) return 'complete';
    if (b[p] !== SEMI) return 'chunk-extension-invalid';
    const ns = ++p;
    while (p < e && TOKEN[b[p] as number] === 1) p++;
    if (p === e) return 'incomplete';
    if (p === ns) return 'chunk-extension-invalid';
    if (b[p] !== EQUALS) continue;
    if (++p === e) return 'incomplete';
    if (b[p] === DQUOTE) {
      for (p++; ; ) {
        if (p === e) return 'incomplete';
        const c = b[p] as number;
        if (c === DQUOTE) break;
        if (c === BACKSLASH) {
          if (p + 1 === e) return 'incomplete';
          if (QUOTABLE[b[p + 1] as number] === 0) return 'chunk-extension-invalid';
          p += 2;
        } else if (QDTEXT[c] === 1) p++;
        else return 'chunk-extension-invalid';
      }
      p++;
    } else {
      const vs = p;
      while (p < e && TOKEN[b[p] as number] === 1) p++;
      if (p === vs) return 'chunk-extension-invalid';
    }
  }
}

/**
 * A trailer line (RFC 9112 §7.1.2, §5): a field line, field-name ":" field-value, or the empty
 * line that ends the trailer section, then CRLF. Refused: a line that starts with whitespace
 * (obs-fold, §5.2); a name that is empty or holds a byte no token holds (trailer-invalid);
 * Content-Length or Transfer-Encoding as the name (trailer-framing-field); a value byte no field
 * value holds (trailer-value-char), which a CR is unless it is the last byte so far.
 *
 * Whole or prefix is not this function's to know: it reads b[s, e) left to right and stops at e.
 * It is `complete` when the empty line's CR is read (whether anything follows it is lineRefusal's)
 * or when the last byte so far is a CR after a valid name and value, `incomplete` when bytes run
 * out before such a CR. lineRefusal reads `incomplete` on a whole line as bare-lf.
 */
export function scanTrailerLine(b: Buffer, s: number, e: number): LineScan {
  if (s === e) return 'incomplete';
  const first = b[s];
  if (first === SP || first === HTAB) return 'obs-fold';
  let p = s;
  while (p < e && TOKEN[b[p] as number] === 1) p++;
  if (p === e) return 'incomplete';
  if (p === s && b[p] === CR) return 'complete';
  if (b[p] !== COLON || p === s) return 'trailer-invalid';
  // RFC 9110 §6.5.1: the fields that frame the message cannot be processed after it; one in the
  // trailers can only be an attempt to make two parsers disagree. Refused at its name, as llhttp refuses it.
  if (isContentLengthName(b, s, p) || isTransferEncodingName(b, s, p)) return 'trailer-framing-field';
  for (p++; p < e; p++) if (FIELD_VALUE[b[p] as number] === 0 && !(b[p] === CR && p === e - 1)) return 'trailer-value-char';
  return b[e - 1] === CR ? 'complete' : 'incomplete';
}
