// The syntax of the parts of a request the parser checks rarely or only in some requests: an
// absolute-form target, a Host value, comma lists. None of it is on the path of a plain GET; the
// hot loops are in head-scanner.ts, and chunk-size and trailer lines are judged in
// chunked-lines.ts as their bytes arrive.

import { isIPv6 } from 'node:net';
import * as chars from './chars.js';
import { COLON, COMMA, HTAB, isAlpha, isDigit, NOT_HEX, SP } from './chars.js';

// Module-local, as in head-scanner.ts: an imported table is read through its module cell on
// every access. isValidHost runs on every request (measured: 12% of a minimal GET's parse time
// with the imported table, 9% with these).
const HEX_VALUE = chars.HEX_VALUE;
const HOST = chars.HOST;

/**
 * absolute-form (RFC 9112 §3.2.2) as a server sees it: scheme "://" authority, then nothing, a
 * path or a query, where the authority is userinfo, host and port characters (RFC 3986 §3.2) and
 * the scheme is letters: RFC 3986 also allows digits, "+", "-" and ".", but no scheme a web
 * server serves has them, and llhttp refuses them. A URI without an authority (`a:b`) names no
 * resource on this server, and llhttp refuses it too.
 */
export function isAbsoluteForm(b: Buffer, s: number, e: number): boolean {
  if (!isAlpha(b[s])) return false;
  let p = s + 1;
  for (; p < e; p++) {
    const c = b[p] as number;
    if (c === COLON) break;
    if (!isAlpha(c)) return false;
  }
  if (p + 2 >= e || b[p + 1] !== 0x2f || b[p + 2] !== 0x2f) return false;
  const as = p + 3;
  for (p = as; p < e && b[p] !== 0x2f && b[p] !== 0x3f; p++) if (AUTHORITY[b[p] as number] !== 1) return false;
  return p > as;
}

/** authority bytes (RFC 3986 §3.2): unreserved, pct-encoded, sub-delims, ":", "@", "[", "]". */
const AUTHORITY = (() => {
  const t = new Uint8Array(256);
  for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=:@[]") t[c.charCodeAt(0)] = 1;
  return t;
})();

/** Host = uri-host [ ":" port ] (RFC 9110 §7.2); empty is allowed. */
export function isValidHost(b: Buffer, s: number, e: number): boolean {
  if (s === e) return true;
  let p = s;
  if (b[p] === 0x5b) {
    // IP-literal (RFC 3986 §3.2.2): "[" an IPv6 address "]" (IPvFuture is not served here)
    p++;
    while (p < e && b[p] !== 0x5d) {
      const c = b[p] as number;
      if (HEX_VALUE[c] === NOT_HEX && c !== COLON && c !== 0x2e) return false;
      p++;
    }
    if (p === e || !isIPv6(b.toString('latin1', s + 1, p))) return false;
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
