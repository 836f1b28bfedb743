// The five header fields the parser interprets rather than only validates, because they decide
// where the message ends or what happens to the connection: Host, Content-Length,
// Transfer-Encoding, Connection and Expect. Both head scanners hand each of them to a Framing as
// they pass it; once the head is complete, verdict() judges them together.

import { lowerMatcher } from './bytes.js';
import { HTAB, SEMI, SP, TOKEN } from './chars.js';
import { forEachListElement, isValidHost } from './field-syntax.js';
import type { ParseErrorCode } from './parse-error.js';

/**
 * The framing fields by name length: the lower-case first letter of the one with that length,
 * 0 for lengths none has. A scanner hands a field line to Framing.field() only when its name
 * passes this test, so most lines cost no call.
 */
export const FRAMING_INITIAL = (() => {
  const t = new Uint8Array(18);
  for (const name of ['host', 'expect', 'connection', 'content-length', 'transfer-encoding']) t[name.length] = name.charCodeAt(0);
  return t;
})();

const IS_HOST = lowerMatcher('host');
const IS_EXPECT = lowerMatcher('expect');
const IS_100_CONTINUE = lowerMatcher('100-continue');
const IS_CONNECTION = lowerMatcher('connection');
const IS_CONTENT_LENGTH = lowerMatcher('content-length');
const IS_TRANSFER_ENCODING = lowerMatcher('transfer-encoding');
const IS_KEEP_ALIVE = lowerMatcher('keep-alive');
const IS_CLOSE = lowerMatcher('close');
const IS_CHUNKED = lowerMatcher('chunked');

/** Whether the field name [s, e) (a validated token) is Content-Length, in any case. */
export function isContentLengthName(b: Buffer, s: number, e: number): boolean {
  return e - s === 14 && IS_CONTENT_LENGTH(b, s);
}

/** Whether the field name [s, e) (a validated token) is Transfer-Encoding, in any case. */
export function isTransferEncodingName(b: Buffer, s: number, e: number): boolean {
  return e - s === 17 && IS_TRANSFER_ENCODING(b, s);
}

/** Expect: none seen, `100-continue`, or something else (417). */
const EXPECT_NONE = 0;
const EXPECT_CONTINUE = 1;
const EXPECT_OTHER = 2;

/** No Content-Length field was seen. */
const NO_LENGTH = -1;

/** The framing fields of the head being scanned; reset for every request. */
export class Framing {
  /** The body limit: a Content-Length over it is refused at its field line, before the head ends. */
  constructor(private readonly maxBodyBytes: number) {}

  private hostCount = 0;
  /** The Content-Length value, or NO_LENGTH. */
  private length = NO_LENGTH;
  private teSeen = false;
  private teChunkedCount = 0;
  private teLastIsChunked = false;
  private teUnknown = false;
  private connClose = false;
  private connKeepAlive = false;
  private expect = EXPECT_NONE;

  /**
   * A field line whose name [ls, ls + nameLength) may be a framing field, with its value [vs, ve)
   * trimmed: interprets it if it is one. Returns the rule it breaks, or null.
   */
  field(b: Buffer, ls: number, nameLength: number, vs: number, ve: number): ParseErrorCode | null {
    switch (nameLength) {
      case 4:
        if (IS_HOST(b, ls)) {
          this.hostCount++;
          if (!isValidHost(b, vs, ve)) return 'host-invalid';
        }
        break;
      case 6:
        // An empty Expect is an empty list: it expects nothing (RFC 9110 §5.6.1, §10.1.1).
        if (IS_EXPECT(b, ls) && ve > vs) {
          this.expect = ve - vs === 12 && IS_100_CONTINUE(b, vs) && this.expect !== EXPECT_OTHER ? EXPECT_CONTINUE : EXPECT_OTHER;
        }
        break;
      case 10:
        if (IS_CONNECTION(b, ls)) this.connection(b, vs, ve);
        break;
      case 14:
        if (IS_CONTENT_LENGTH(b, ls)) return this.contentLength(b, vs, ve);
        break;
      case 17:
        if (IS_TRANSFER_ENCODING(b, ls)) return this.transferEncoding(b, vs, ve);
        break;
    }
    return null;
  }

  /**
   * The head is complete: the rule its framing fields break together, or null. In this order: one
   * Host (RFC 9112 §3.2), a Transfer-Encoding only on HTTP/1.1, never with Content-Length, ending
   * in one `chunked` of codings we support (§6.1, §6.3), and no
   * expectation but 100-continue (RFC 9110 §10.1.1).
   */
  verdict(versionMinor: 0 | 1): ParseErrorCode | null {
    const v1 = versionMinor === 1;
    if (this.hostCount > 1) return 'host-repeated';
    if (v1 && this.hostCount === 0) return 'host-missing';
    if (this.teSeen) {
      if (!v1) return 'transfer-encoding-http10';
      if (this.length !== NO_LENGTH) return 'transfer-encoding-with-content-length';
      if (!this.teLastIsChunked) return 'chunked-not-final';
      if (this.teChunkedCount > 1) return 'chunked-repeated';
      if (this.teUnknown) return 'transfer-coding-unsupported';
    }
    if (v1 && this.expect === EXPECT_OTHER) return 'expectation-unsupported';
    return null;
  }

  /** After a verdict of null: the body is chunked. */
  get chunked(): boolean {
    return this.teSeen;
  }

  /** After a verdict of null: the body's length, 0 when there is none (or it is chunked). */
  get bodyLength(): number {
    return this.length === NO_LENGTH ? 0 : this.length;
  }

  /** Whether the connection may carry another request (RFC 9112 §9.3). */
  keepAlive(versionMinor: 0 | 1): boolean {
    return versionMinor === 1 ? !this.connClose : this.connKeepAlive && !this.connClose;
  }

  /** Whether the client waits for 100 Continue; an HTTP/1.0 request's Expect is ignored (RFC 9110 §10.1.1). */
  expectContinue(versionMinor: 0 | 1): boolean {
    return versionMinor === 1 && this.expect === EXPECT_CONTINUE;
  }

  reset(): void {
    this.hostCount = 0;
    this.length = NO_LENGTH;
    this.teSeen = false;
    this.teChunkedCount = 0;
    this.teLastIsChunked = false;
    this.teUnknown = false;
    this.connClose = false;
    this.connKeepAlive = false;
    this.expect = EXPECT_NONE;
  }

  private connection(b: Buffer, vs: number, ve: number): void {
    // The common single-option values first, without walking the list.
    const n = ve - vs;
    if (n === 10 && IS_KEEP_ALIVE(b, vs)) {
      this.connKeepAlive = true;
      return;
    }
    if (n === 5 && IS_CLOSE(b, vs)) {
      this.connClose = true;
      return;
    }
    forEachListElement(b, vs, ve, (s, e) => {
      if (e - s === 5 && IS_CLOSE(b, s)) this.connClose = true;
      else if (e - s === 10 && IS_KEEP_ALIVE(b, s)) this.connKeepAlive = true;
      return true;
    });
  }

  /**
   * RFC 9112 §6.3 and RFC 9110 §8.6: 1*DIGIT, on one field line. RFC 9110 lets a recipient
   * collapse identical repeated values; we refuse any second line, as llhttp does, since a second
   * Content-Length is how one message is made to read as two.
   */
  private contentLength(b: Buffer, vs: number, ve: number): ParseErrorCode | null {
    if (this.length !== NO_LENGTH) return 'content-length-repeated';
    if (vs === ve) return 'content-length-empty';
    let value = 0;
    for (let p = vs; p < ve; p++) {
      const d = (b[p] as number) - 0x30;
      if (d < 0 || d > 9) return 'content-length-invalid';
      value = value * 10 + d;
      // Past 2^53 a value is no longer exact, and beyond any limit a body could meet.
      if (value > Number.MAX_SAFE_INTEGER) return 'content-length-too-large';
      // Judged left to right, as contentLengthSoFar judges a line not yet ended, so a value gets
      // the same answer however its bytes arrive; and refused now rather than when the head is
      // complete: nothing that follows could make it fit (nor overflow the arithmetic).
      if (value > this.maxBodyBytes) return 'content-length-too-large';
    }
    this.length = value;
    return null;
  }

  /**
   * A Content-Length value whose line has not ended, [vs, e): refused as soon as its bytes are
   * not digits or already exceed the body limit (a slow client's head need not be waited for).
   */
  contentLengthSoFar(b: Buffer, vs: number, e: number): ParseErrorCode | null {
    // A second Content-Length is refused for being one, whatever its value (as contentLength does).
    if (this.length !== NO_LENGTH) return 'content-length-repeated';
    let value = 0;
    for (let p = vs; p < e; p++) {
      const c = b[p] as number;
      const d = c - 0x30;
      // Whitespace may still end the value (OWS before CRLF), and a byte no field value may hold
      // is the field line's fault, not the number's: judge only what came before either.
      if (c <= 0x20 || c === 0x7f) break;
      if (d < 0 || d > 9) return 'content-length-invalid';
      value = value * 10 + d;
      if (value > this.maxBodyBytes || value > Number.MAX_SAFE_INTEGER) return 'content-length-too-large';
    }
    return null;
  }

  /**
   * What a Transfer-Encoding value [vs, ve) breaks by itself, or null: empty; an empty element
   * (RFC 9110 §5.6.1 asks a recipient to ignore them; in the field that frames the body we refuse
   * them, as llhttp refuses `chunked,`, read as two things by two parsers); a coding that is not a
   * token with parameters, or chunked with any. No state changes: the scanner asks this of a
   * line not yet ended too.
   */
  transferEncodingRefusal(b: Buffer, vs: number, ve: number): ParseErrorCode | null {
    if (vs === ve) return 'transfer-encoding-empty';
    if (hasEmptyListElement(b, vs, ve)) return 'transfer-encoding-empty-element';
    let refused: ParseErrorCode | null = null;
    // RFC 9112 §6.3: chunked is the final coding, applied once. A coding after it, on this line or
    // after an earlier line that ended in it, is refused at once (llhttp refuses it at once too).
    let afterChunked = this.teLastIsChunked;
    forEachListElement(b, vs, ve, (s, e) => {
      let p = s;
      while (p < e && TOKEN[b[p] as number] === 1) p++;
      const isChunked = p - s === 7 && IS_CHUNKED(b, s);
      if (p === s) refused = 'transfer-encoding-invalid';
      else if (afterChunked) refused = isChunked ? 'chunked-repeated' : 'chunked-not-final';
      else if (p !== e) {
        // transfer-parameters: only codings we do not support may carry them
        while (p < e && (b[p] === SP || b[p] === HTAB)) p++;
        if (isChunked || b[p] !== SEMI) refused = 'transfer-encoding-invalid';
      }
      afterChunked = isChunked;
      return refused === null;
    });
    return refused;
  }

  /** RFC 9112 §6.1: a list of transfer codings, of which only a final `chunked` is supported. */
  private transferEncoding(b: Buffer, vs: number, ve: number): ParseErrorCode | null {
    const refused = this.transferEncodingRefusal(b, vs, ve);
    if (refused !== null) return refused;
    this.teSeen = true;
    forEachListElement(b, vs, ve, (s, e) => {
      let p = s;
      while (p < e && TOKEN[b[p] as number] === 1) p++;
      const isChunked = p - s === 7 && IS_CHUNKED(b, s);
      if (isChunked) this.teChunkedCount++;
      else this.teUnknown = true;
      this.teLastIsChunked = isChunked;
      return true;
    });
    return null;
  }
}

/** Whether the comma list [s, e) has an element that is empty or only whitespace. */
function hasEmptyListElement(b: Buffer, s: number, e: number): boolean {
  let empty = true;
  for (let p = s; p < e; p++) {
    const c = b[p];
    if (c === 0x2c) {
      if (empty) return true;
      empty = true;
    } else if (c !== SP && c !== HTAB) {
      empty = false;
    }
  }
  return empty;
}
