// The syntax of the parts of a request the parser checks rarely or only in some requests: an
// absolute-form target, a Host value, comma lists, chunk extensions, trailer lines. None of it is
// on the path of a plain GET; the hot loops are in head-scanner.ts.

import * as chars from './chars.js';
import { BACKSLASH, COLON, COMMA, DQUOTE, EQUALS, HTAB, isAlpha, isDigit, NOT_HEX, SEMI, SP } from './chars.js';
import type { ParseErrorCode } from './parse-error.js';

// Module-local, as in head-scanner.ts: an imported table is read through its module cell on
// every access. isValidHost runs on every request (measured: 12% of a minimal GET's parse time
// with the imported table, 9% with these).
const TOKEN = chars.TOKEN;
const FIELD_VALUE = chars.FIELD_VALUE;
const HEX_VALUE = chars.HEX_VALUE;
const HOST = chars.HOST;
const QDTEXT = chars.QDTEXT;
const QUOTABLE = chars.QUOTABLE;

/** absolute-form (RFC 9112 §3.2.2): scheme ":" ... where scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
export function isAbsoluteForm(b: Buffer, s: number, e: number): boolean {
  if (!isAlpha(b[s])) return false;
  for (let p = s + 1; p < e; p++) {
    const c = b[p] as number;
    if (c === COLON) return p + 1 < e;
    if (!(isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  return false;
}

/** Host = uri-host [ ":" port ] (RFC 9110 §7.2); empty is allowed. */
export function isValidHost(b: Buffer, s: number, e: number): boolean {
  if (s === e) return true;
  let p = s;
  if (b[p] === 0x5b) {
    // IP-literal: "[" hex digits, ":" and "." "]"
    p++;
    while (p < e && b[p] !== 0x5d) {
      const c = b[p] as number;
      if (HEX_VALUE[c] === NOT_HEX && c !== COLON && c !== 0x2e) return false;
      p++;
    }
    if (p === e || p === s + 1) return false;
    p++;
  } else {
    while (p < e && HOST[b[p] as number] === 1) p++;
    if (p === s) return false;
  }
  if (p === e) return true;
  if (b[p] !== COLON) return false;
  for (p++; p < e; p++) if (!isDigit(b[p])) return false;
  return true;
}

/**
 * Calls visit(start, end) for each non-empty element of a comma list, trimmed of OWS
 * (RFC 9110 §5.6.1: empty elements are ignored). Stops with false when visit does.
 */
export function forEachListElement(b: Buffer, s: number, e: number, visit: (s: number, e: number) => boolean): boolean {
  let p = s;
  while (p <= e) {
    let q = p;
    while (q < e && b[q] !== COMMA) q++;
    let a = p;
    let z = q;
    while (a < z && (b[a] === SP || b[a] === HTAB)) a++;
    while (z > a && (b[z - 1] === SP || b[z - 1] === HTAB)) z--;
    if (a < z && !visit(a, z)) return false;
    p = q + 1;
  }
  return true;
}

/** chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ) (RFC 9112 §7.1.1). */
export function isValidChunkExtensions(b: Buffer, s: number, e: number): boolean {
  let p = s;
  const skipBws = () => {
    while (p < e && (b[p] === SP || b[p] === HTAB)) p++;
  };
  while (p < e) {
    skipBws();
    if (p === e || b[p] !== SEMI) return false;
    p++;
    skipBws();
    const ns = p;
    while (p < e && TOKEN[b[p] as number] === 1) p++;
    if (p === ns) return false;
    const afterName = p;
    skipBws();
    if (p < e && b[p] === EQUALS) {
      p++;
      skipBws();
      if (p < e && b[p] === DQUOTE) {
        p++;
        for (;;) {
          if (p >= e) return false;
          const c = b[p] as number;
          if (c === DQUOTE) break;
          if (c === BACKSLASH) {
            if (p + 1 >= e || QUOTABLE[b[p + 1] as number] === 0) return false;
            p += 2;
          } else if (QDTEXT[c] === 1) p++;
          else return false;
        }
        p++;
      } else {
        const vs = p;
        while (p < e && TOKEN[b[p] as number] === 1) p++;
        if (p === vs) return false;
      }
    } else if (p === e) {
      return p === afterName; // BWS may only precede "=" or the next ";", not the line end
    }
  }
  return true;
}

/** A trailer field line [ls, le), CRLF excluded (RFC 9112 §7.1.2, with the field syntax of §5): null if valid. */
export function trailerLineError(b: Buffer, ls: number, le: number): ParseErrorCode | null {
  const first = b[ls];
  if (first === SP || first === HTAB) return 'obs-fold';
  let p = ls;
  while (p < le && TOKEN[b[p] as number] === 1) p++;
  if (p === ls || p === le || b[p] !== COLON) return 'trailer-invalid';
  for (p++; p < le; p++) {
    if (FIELD_VALUE[b[p] as number] === 0) return 'trailer-value-char';
  }
  return null;
}
