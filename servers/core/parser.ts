// An incremental HTTP/1.1 request parser (RFC 9112, RFC 9110).
//
// Design:
// - Pull-style: feed(chunk), then call next() until it answers need-more. The caller decides when
//   to pull, so it can stop pulling (and stop reading the socket) while responses are backed up.
// - Zero-copy: a request head found inside one chunk is parsed in place. Every byte of it is
//   validated, but only the method, the target and the fields that frame the message (Host,
//   Content-Length, Transfer-Encoding, Connection, Expect) are interpreted; the other header
//   fields are located again, and made into strings, only if someone asks. A head that straddles
//   chunks is gathered into one buffer (the only copy), and so is a body that straddles.
// - Two head scanners: scanHeadFast reads a head that is whole in its chunk in one pass with
//   everything in locals (the common case); anything else (a head cut by a chunk boundary, a limit
//   reached, any byte out of place) goes to scanHead, a resumable state machine that also gives
//   every error its reason. The fast one only has to accept exactly what the resumable one
//   accepts, and the tests compare the two on every case, whole against split.
// - Line endings: only CRLF ends a line. A bare LF is answered 400 rather than accepted (RFC 9112
//   §2.2 allows either); accepting it is how a front end and a back end come to disagree about
//   where a request ends. A bare CR is always 400.
// - Transfer-Encoding together with Content-Length is answered 400 (RFC 9112 §6.3 allows that or
//   processing as chunked and closing); refusing is the choice that cannot be smuggled through.
// - Bad input is a value (ParseError), never an exception; after one, the parser is dead.

// biome-ignore-all lint/suspicious/noFallthroughSwitchClause: the resumable scanner's states run into each other on purpose (see scanHead)

import * as chars from './chars.js';
import { BACKSLASH, COLON, COMMA, CR, DQUOTE, EQUALS, HTAB, LF, SEMI, SP } from './chars.js';
import { ParseError, type ParseErrorCode } from './parse-error.js';

/** Size limits, each answered with its own status when exceeded. */
export interface ParserLimits {
  /** Longest request line, CRLF excluded (414). */
  maxRequestLineBytes: number;
  /** Largest header section after the request line, final CRLF included (431); the trailer section has the same limit. */
  maxHeaderBytes: number;
  /** Most header lines in one request (431). Trailers count too. */
  maxHeaderCount: number;
  /** Largest body, decided from Content-Length before reading, and while decoding chunks (413). */
  maxBodyBytes: number;
  /** Most bytes of chunk extensions in one request (413). */
  maxChunkExtensionBytes: number;
}

/** The limits used when none are given. */
export const DEFAULT_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxRequestLineBytes: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxBodyBytes: 1024 * 1024,
  maxChunkExtensionBytes: 4 * 1024,
});

// The byte tables as module-local constants: in the hot loops V8 reads an imported binding
// through its module cell on every access (measured about twice as slow per byte).
const TOKEN = chars.TOKEN;
const TARGET = chars.TARGET;
const FIELD_VALUE = chars.FIELD_VALUE;
const HEX_VALUE = chars.HEX_VALUE;
const HOST = chars.HOST;
const LOWER = chars.LOWER;
const QDTEXT = chars.QDTEXT;
const QUOTABLE = chars.QUOTABLE;

const EMPTY = Buffer.alloc(0);

/**
 * The fields the parser interprets (Host, Expect, Connection, Content-Length, Transfer-Encoding)
 * by name length: the lower-case first letter, 0 for lengths none has. A field line whose name
 * fails this test is only counted, without a call.
 */
const FRAMING_INITIAL = (() => {
  const t = new Uint8Array(18);
  for (const name of ['host', 'expect', 'connection', 'content-length', 'transfer-encoding']) t[name.length] = name.charCodeAt(0);
  return t;
})();

/**
 * The header fields of one request. The parser validates every field line and keeps the head's
 * bytes, but records no positions: those are found again the first time anyone asks for a
 * header, and names and values become strings only when asked for. A request to a route that
 * reads no header pays for neither.
 */
export class HeaderList {
  /** name start, name end, value start, value end per field line, in raw; found on first use. */
  private offsets: number[] | null = null;

  constructor(
    /** The bytes the head is in (not a subarray, to save an allocation per request). */
    private readonly raw: Buffer,
    /** Where the first field line starts in raw. */
    private readonly start: number,
    /** How many field lines the request had. */
    readonly count: number,
  ) {}

  /** The name of field line i, as sent. */
  name(i: number): string {
    return this.slice(i * 4);
  }

  /** The value of field line i, without surrounding whitespace. */
  value(i: number): string {
    return this.slice(i * 4 + 2);
  }

  /** The value for a lower-case name; several lines of one name are joined with ", " (RFC 9110 §5.3). */
  get(lowerName: string): string | undefined {
    const offsets = this.index();
    let found: string | undefined;
    for (let i = 0; i < offsets.length; i += 4) {
      if (this.nameIs(offsets, i, lowerName)) {
        const v = this.slice(i + 2);
        found = found === undefined ? v : `${found}, ${v}`;
      }
    }
    return found;
  }

  /** Every field line as [name, value], in order. */
  entries(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < this.count; i++) out.push([this.name(i), this.value(i)]);
    return out;
  }

  /** Finds the field lines again in the head, already validated: name ":" OWS value OWS CRLF. */
  private index(): number[] {
    if (this.offsets !== null) return this.offsets;
    const b = this.raw;
    const offsets: number[] = [];
    let p = this.start;
    for (let i = 0; i < this.count; i++) {
      const ls = p;
      while (b[p] !== COLON) p++;
      const ne = p++;
      while (b[p] === SP || b[p] === HTAB) p++;
      const vs = p;
      while (b[p] !== CR) p++;
      let ve = p;
      while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
      offsets.push(ls, ne, vs, ve);
      p += 2;
    }
    this.offsets = offsets;
    return offsets;
  }

  private slice(k: number): string {
    const offsets = this.index();
    if (k < 0 || k >= offsets.length) throw new RangeError(`no header field line ${k >> 2}: the request has ${this.count}`);
    return latin1(this.raw, offsets[k] as number, offsets[k + 1] as number);
  }

  private nameIs(offsets: number[], i: number, lowerName: string): boolean {
    const s = offsets[i] as number;
    if ((offsets[i + 1] as number) - s !== lowerName.length) return false;
    for (let k = 0; k < lowerName.length; k++) {
      if (LOWER[this.raw[s + k] as number] !== lowerName.charCodeAt(k)) return false;
    }
    return true;
  }
}

/** A complete request. */
export class HttpRequest {
  readonly kind = 'request' as const;
  constructor(
    /** The method token, case-sensitive as RFC 9110 §9.1 says. */
    readonly method: string,
    /** The request-target as sent: origin-form, absolute-form, or `*`. */
    readonly target: string,
    /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
    readonly versionMinor: 0 | 1,
    readonly headers: HeaderList,
    /** The decoded body; empty when there was none. */
    public body: Buffer,
    /** Whether the connection may carry another request after this one. */
    readonly keepAlive: boolean,
    /** Whether the client waits for `100 Continue` before sending the body. */
    readonly expectContinue: boolean,
  ) {}
}

/** What next() yields. */
export type ParseEvent = HttpRequest | ParseError | { readonly kind: 'need-more' } | { readonly kind: 'continue' };

/** next() has consumed every byte fed so far and needs another chunk. */
export const NEED_MORE = Object.freeze({ kind: 'need-more' as const });
/** A head asking for `100 Continue` is complete and its body is not; the body comes next. */
export const CONTINUE = Object.freeze({ kind: 'continue' as const });

const S_HEAD = 0;
const S_BODY = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_DATA = 3;
const S_CHUNK_DATA_END = 4;
const S_TRAILERS = 5;
const S_DEAD = 6;

// Head scanner states.
const H_START = 0;
const H_SKIP_LF = 1;
const H_METHOD = 2;
const H_TARGET = 3;
const H_VERSION = 4;
const H_LINE_LF = 5;
const H_FIELD_START = 6;
const H_NAME = 7;
const H_OWS = 8;
const H_VALUE = 9;
const H_FIELD_LF = 10;
const H_END_LF = 11;

const LINE_INCOMPLETE = 0;
const LINE_READY = 1;
const LINE_ERROR = 2;

const E_NONE = 0;
const E_CONTINUE = 1;
const E_OTHER = 2;

/** Incremental request parser for one connection. */
export class RequestParser {
  private readonly limits: ParserLimits;
  /** Bytes a complete head can take at most: one skipped empty line, request line, header section. */
  private readonly headLimit: number;

  private state = S_HEAD;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private error: ParseError | null = null;

  // Head in progress. Offsets are relative to where the head started, so they stay valid when
  // a partial head is moved into `pending`.
  private pending: Buffer | null = null;
  private pendingLen = 0;
  private hs = H_START;
  private hp = 0;
  private lineStart = 0;
  private methodEnd = 0;
  private targetStart = 0;
  private targetEnd = 0;
  private versionStart = 0;
  private nameEnd = 0;
  private valueStart = 0;
  private valueEnd = 0;
  private headersStart = -1;
  private skippedEmptyLine = false;
  private method = '';
  private target = '';
  private versionMinor: 0 | 1 = 1;
  /** Field lines in the head so far. */
  private fieldCount = 0;
  private hostCount = 0;
  private contentLength = -1;
  private teSeen = false;
  private teChunkedCount = 0;
  private teLastIsChunked = false;
  private teUnknown = false;
  private connClose = false;
  private connKeepAlive = false;
  private expect = E_NONE;

  // Body in progress.
  private current: HttpRequest | null = null;
  private remaining = 0;
  private bodyBuf: Buffer | null = null;
  private bodyFilled = 0;
  private pieces: Buffer[] = [];
  private bodyTotal = 0;
  private extTotal = 0;
  private trailerCount = 0;
  private trailerBytes = 0;
  private crlfSeen = 0;
  private linePending: Buffer | null = null;
  private lineB: Buffer = EMPTY;
  private lineS = 0;
  private lineE = 0;

  constructor(limits: Partial<ParserLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.headLimit = 2 + this.limits.maxRequestLineBytes + 2 + this.limits.maxHeaderBytes;
  }

  /** Hands the parser the next chunk. Call only after next() answered need-more (or before the first). */
  feed(chunk: Buffer): void {
    if (this.pos < this.buf.length) throw new Error('RequestParser.feed: call next() until need-more first');
    this.buf = chunk;
    this.pos = 0;
  }

  /** Whether a request has begun and not yet been returned (bytes of it are held or unread). */
  get inRequest(): boolean {
    return this.state !== S_HEAD || this.pending !== null || this.pos < this.buf.length;
  }

  /** Whether the request in progress is still in its head (what a headers timeout guards). */
  get inHead(): boolean {
    return this.state === S_HEAD && (this.pending !== null || this.pos < this.buf.length);
  }

  /** Whether the parser has failed; it accepts nothing more. */
  get failed(): boolean {
    return this.state === S_DEAD;
  }

  /** Drops everything held, for a connection that went away. */
  destroy(): void {
    this.state = S_DEAD;
    this.error ??= new ParseError('destroyed');
    this.release();
  }

  /** The next event from the bytes fed so far. */
  next(): ParseEvent {
    for (;;) {
      switch (this.state) {
        case S_HEAD: {
          const ev = this.parseHead();
          if (ev !== null) return ev;
          break;
        }
        case S_BODY: {
          const avail = this.buf.length - this.pos;
          if (this.bodyBuf === null && avail >= this.remaining) {
            const body = this.buf.subarray(this.pos, this.pos + this.remaining);
            this.pos += this.remaining;
            return this.complete(body);
          }
          if (avail === 0) return NEED_MORE;
          this.bodyBuf ??= Buffer.allocUnsafe(this.remaining);
          const n = Math.min(avail, this.remaining);
          this.buf.copy(this.bodyBuf, this.bodyFilled, this.pos, this.pos + n);
          this.bodyFilled += n;
          this.pos += n;
          this.remaining -= n;
          if (this.remaining === 0) return this.complete(this.bodyBuf);
          return NEED_MORE;
        }
        case S_CHUNK_SIZE: {
          const r = this.readLine(this.limits.maxChunkExtensionBytes + 32, 'chunk-line-too-long');
          if (r === LINE_INCOMPLETE) return NEED_MORE;
          if (r === LINE_ERROR) return this.error as ParseError;
          const err = this.parseChunkSize(this.lineB, this.lineS, this.lineE);
          if (err !== null) return err;
          break;
        }
        case S_CHUNK_DATA: {
          const avail = this.buf.length - this.pos;
          if (avail === 0) return NEED_MORE;
          const n = Math.min(avail, this.remaining);
          this.pieces.push(this.buf.subarray(this.pos, this.pos + n));
          this.pos += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = S_CHUNK_DATA_END;
            this.crlfSeen = 0;
          }
          break;
        }
        case S_CHUNK_DATA_END: {
          if (this.pos === this.buf.length) return NEED_MORE;
          const c = this.buf[this.pos++];
          if (this.crlfSeen === 0) {
            if (c !== CR) return this.fail('chunk-data-no-crlf');
            this.crlfSeen = 1;
          } else {
            if (c !== LF) return this.fail('chunk-data-no-crlf');
            this.state = S_CHUNK_SIZE;
          }
          break;
        }
        case S_TRAILERS: {
          const r = this.readLine(this.limits.maxHeaderBytes, 'trailer-section-too-large');
          if (r === LINE_INCOMPLETE) return NEED_MORE;
          if (r === LINE_ERROR) return this.error as ParseError;
          const { lineB: b, lineS: s, lineE: e } = this;
          this.trailerBytes += e - s + 2;
          if (this.trailerBytes > this.limits.maxHeaderBytes) return this.fail('trailer-section-too-large');
          if (e === s) {
            const body = this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces, this.bodyTotal);
            return this.complete(body);
          }
          if (++this.trailerCount + (this.current as HttpRequest).headers.count > this.limits.maxHeaderCount) {
            return this.fail('too-many-trailer-fields');
          }
          const err = this.checkTrailerLine(b, s, e);
          if (err !== null) return err;
          break; // trailer fields are validated, then dropped
        }
        default:
          return this.error as ParseError;
      }
    }
  }

  // --- head ---------------------------------------------------------------------------------

  /** Returns an event, or null when the head is done and a body follows in the next state. */
  private parseHead(): ParseEvent | null {
    let b: Buffer;
    let base: number;
    let take = 0;
    const pendingBefore = this.pendingLen;
    if (this.pending !== null) {
      const room = this.headLimit - this.pendingLen;
      take = Math.min(this.buf.length - this.pos, room + 1);
      if (take === 0) return NEED_MORE;
      if (this.pending.length < this.pendingLen + take) {
        const grown = Buffer.allocUnsafe(Math.min(Math.max(this.pending.length * 2, this.pendingLen + take), this.headLimit + 1));
        this.pending.copy(grown, 0, 0, this.pendingLen);
        this.pending = grown;
      }
      this.buf.copy(this.pending, this.pendingLen, this.pos, this.pos + take);
      b = this.pending.subarray(0, this.pendingLen + take);
      base = 0;
    } else {
      if (this.pos === this.buf.length) return NEED_MORE;
      b = this.buf;
      base = this.pos;
    }

    let headEnd = this.pending === null ? this.scanHeadFast(b, base) : -1;
    if (headEnd === -1) headEnd = this.scanHead(b, base);
    if (headEnd === -2) return this.error as ParseError;
    if (headEnd === -1) {
      if (this.pending !== null) {
        this.pendingLen += take;
        this.pos += take;
      } else {
        const len = b.length - base;
        this.pending = Buffer.allocUnsafe(Math.min(Math.max(len * 2, 256), this.headLimit + 1));
        b.copy(this.pending, 0, base, b.length);
        this.pendingLen = len;
        this.pos = b.length;
      }
      return NEED_MORE;
    }

    if (this.pending !== null) {
      this.pos += headEnd - pendingBefore;
      this.pending = null;
      this.pendingLen = 0;
    } else {
      this.pos = headEnd;
    }
    return this.finishHead(b, base);
  }

  /**
   * The common case, a whole head at the start of a chunk's unread bytes: one pass, everything
   * in locals, nothing to save. Returns the head end (absolute), -2 on an error found by the
   * field checks, or -1 to hand the head to scanHead: when the bytes run out, a limit is reached,
   * or a byte is out of place. Within the request line it hands over the head from its start
   * (nothing is recorded before the request line is accepted, and a head that starts in a chunk
   * starts from the reset state); within the field lines, from the start of the line at hand
   * (resumeAt). Either way
   * scanHead then finds the same answer (it checks the same things in the same order) and gives
   * the reason, so the fast path need not know any of the error cases, only accept exactly what
   * scanHead accepts.
   */
  private scanHeadFast(b: Buffer, base: number): number {
    const stop = Math.min(b.length, base + this.limits.maxRequestLineBytes + 2);
    let p = base;
    while (p < stop && TOKEN[b[p] as number] === 1) p++;
    if (p === base || p >= stop || b[p] !== SP) return -1;
    const me = p;
    const ts = ++p;
    p = run4(TARGET, b, p, stop);
    if (p === ts || p + 11 > stop || b[p] !== SP) return -1;
    // "HTTP/1.1" or "HTTP/1.0", then CRLF; anything else is scanHead's to judge.
    if (
      b[p + 1] !== 0x48 ||
      b[p + 2] !== 0x54 ||
      b[p + 3] !== 0x54 ||
      b[p + 4] !== 0x50 ||
      b[p + 5] !== 0x2f ||
      b[p + 6] !== 0x31 ||
      b[p + 7] !== 0x2e ||
      (b[p + 8] !== 0x31 && b[p + 8] !== 0x30) ||
      b[p + 9] !== CR ||
      b[p + 10] !== LF
    ) {
      return -1;
    }
    this.versionMinor = b[p + 8] === 0x31 ? 1 : 0;
    if (!this.methodAndTarget(b, base, me, ts, p)) return -2;
    p += 11;
    this.headersStart = p - base;
    return this.fieldLines(b, base, p, 0);
  }

  /**
   * scanHeadFast's field lines, from p (absolute, a line start) with nf lines read before: a
   * function of its own so that V8 optimizes it apart, with its own budget for inlining the byte
   * runs and the framing-field checks (in one function with the request line, some call sites
   * went without).
   */
  private fieldLines(b: Buffer, base: number, p: number, nf: number): number {
    const maxHeaderCount = this.limits.maxHeaderCount;
    const stop = Math.min(b.length, base + this.headersStart + this.limits.maxHeaderBytes);
    for (;;) {
      if (p >= stop) return this.resumeAt(base, p, nf);
      if (b[p] === CR) {
        if (p + 1 >= stop || b[p + 1] !== LF) return this.resumeAt(base, p, nf);
        this.fieldCount = nf;
        return p + 2;
      }
      if (nf >= maxHeaderCount) return this.resumeAt(base, p, nf);
      const ls = p;
      p = run4(TOKEN, b, p, stop);
      if (p === ls || p >= stop || b[p] !== COLON) return this.resumeAt(base, ls, nf);
      const ne = p++;
      while (p < stop && (b[p] === SP || b[p] === HTAB)) p++;
      const vs = p;
      p = valueRun(b, p, stop);
      if (p + 1 >= stop || b[p] !== CR || b[p + 1] !== LF) return this.resumeAt(base, ls, nf);
      let ve = p;
      p += 2;
      while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
      nf++;
      const n = ne - ls;
      if (n < FRAMING_INITIAL.length && FRAMING_INITIAL[n] === (b[ls]! | 0x20) && !this.specialField(b, ls, n, vs, ve)) return -2;
    }
  }

  /**
   * scanHeadFast leaves the head to scanHead at the start of field line ls (absolute), where
   * everything before has been read exactly as scanHead would have read it: the request line,
   * nf field lines, and the framing fields among them. scanHead carries on from there, so a head
   * cut by a chunk boundary, or one with a bad field line, costs no second pass.
   */
  private resumeAt(base: number, ls: number, nf: number): -1 {
    this.hs = H_FIELD_START;
    this.hp = ls - base;
    this.fieldCount = nf;
    return -1;
  }

  /**
   * Scans the head from where the last call stopped: a resumable state machine whose states
   * each run a tight loop over one part of a line. Returns the head end (absolute), -1 for more
   * input, -2 on error.
   *
   * Limits bound the scan itself (`stop`): no byte past a limit is ever looked at, so an input
   * gets the same answer however it is cut into chunks.
   */
  private scanHead(b: Buffer, base: number): number {
    const { maxRequestLineBytes, maxHeaderBytes, maxHeaderCount } = this.limits;
    let p = base + this.hp;
    let st = this.hs;
    // Positions in the current field line, as locals while scanning; saved only on suspend.
    let ls = base + this.lineStart;
    let ne = base + this.nameEnd;
    let vs = base + this.valueStart;
    let ve = base + this.valueEnd;
    let nf = this.fieldCount;
    // Request line and CRLF within maxRequestLineBytes + 2; header section within maxHeaderBytes.
    let limitEnd = this.headersStart < 0 ? base + this.lineStart + maxRequestLineBytes + 2 : base + this.headersStart + maxHeaderBytes;
    let stop = Math.min(b.length, limitEnd);
    for (;;) {
      if (p >= stop) {
        if (stop === limitEnd) {
          return this.headersStart < 0 ? this.failHead('request-line-too-long') : this.failHead('header-section-too-large');
        }
        this.hs = st;
        this.hp = p - base;
        this.lineStart = ls - base;
        this.nameEnd = ne - base;
        this.valueStart = vs - base;
        this.valueEnd = ve - base;
        this.fieldCount = nf;
        return -1;
      }
      switch (st) {
        case H_START: {
          if (b[p] === CR && !this.skippedEmptyLine) {
            st = H_SKIP_LF;
            p++;
          } else {
            st = H_METHOD;
          }
          break;
        }
        case H_SKIP_LF: {
          if (b[p] !== LF) return this.failHead('bare-cr');
          // RFC 9112 §2.2: one empty line before the request line is ignored.
          this.skippedEmptyLine = true;
          ls = ++p;
          this.lineStart = ls - base;
          limitEnd = p + maxRequestLineBytes + 2;
          stop = Math.min(b.length, limitEnd);
          st = H_START;
          break;
        }
        case H_METHOD: {
          p = run4(TOKEN, b, p, stop);
          if (p === stop) {
            st = H_METHOD;
            break;
          }
          if (p === ls) return this.failHead(b[p] === CR && this.skippedEmptyLine ? 'empty-lines-before-request' : 'method-empty');
          const c = b[p];
          if (c !== SP) return this.failHead(c === CR || c === LF ? 'request-line-incomplete' : 'method-char');
          this.methodEnd = p - base;
          this.targetStart = ++p - base;
        }
        // falls through: each part of a line runs straight into the next while bytes last
        case H_TARGET: {
          p = run4(TARGET, b, p, stop);
          if (p === stop) {
            st = H_TARGET;
            break;
          }
          const c = b[p];
          if (p === base + this.targetStart) return this.failHead('target-empty');
          if (c === CR || c === LF) return this.failHead('version-missing');
          if (c !== SP) return this.failHead('target-char');
          this.targetEnd = p - base;
          this.versionStart = ++p - base;
        }
        // falls through
        case H_VERSION: {
          while (p < stop && b[p] !== CR && b[p] !== LF) p++;
          if (p === stop) {
            st = H_VERSION;
            break;
          }
          if (b[p] === LF) return this.failHead('bare-lf');
          if (!this.requestLine(b, base, p)) return -2;
          p++;
        }
        // falls through
        case H_LINE_LF: {
          if (p === stop) {
            st = H_LINE_LF;
            break;
          }
          if (b[p] !== LF) return this.failHead('bare-cr');
          this.headersStart = ++p - base;
          limitEnd = p + maxHeaderBytes;
          stop = Math.min(b.length, limitEnd);
          st = H_FIELD_START;
          break;
        }
        case H_FIELD_START: {
          const c = b[p];
          if (c === CR) {
            p++;
            st = H_END_LF;
            break;
          }
          if (c === LF) return this.failHead('bare-lf');
          if (c === SP || c === HTAB) {
            // RFC 9112 §2.2 (before the first field) and §5.2 (obs-fold).
            return this.failHead(nf === 0 ? 'whitespace-before-fields' : 'obs-fold');
          }
          if (nf >= maxHeaderCount) return this.failHead('too-many-fields');
          ls = p;
        }
        // falls through
        case H_NAME: {
          p = run4(TOKEN, b, p, stop);
          if (p === stop) {
            st = H_NAME;
            break;
          }
          const c = b[p];
          if (c !== COLON) {
            if (c === SP || c === HTAB) return this.failHead('field-name-whitespace');
            if (c === CR || c === LF) return this.failHead('field-no-colon');
            return this.failHead('field-name-char');
          }
          if (p === ls) return this.failHead('field-name-empty');
          ne = p++;
        }
        // falls through
        case H_OWS: {
          while (p < stop && (b[p] === SP || b[p] === HTAB)) p++;
          if (p === stop) {
            st = H_OWS;
            break;
          }
          vs = p;
        }
        // falls through
        case H_VALUE: {
          p = valueRun(b, p, stop);
          if (p === stop) {
            st = H_VALUE;
            break;
          }
          const c = b[p];
          if (c !== CR) {
            return this.failHead(c === LF ? 'bare-lf' : c === 0 ? 'field-value-nul' : 'field-value-char');
          }
          ve = p++;
        }
        // falls through
        case H_FIELD_LF: {
          if (p === stop) {
            st = H_FIELD_LF;
            break;
          }
          if (b[p] !== LF) return this.failHead('bare-cr');
          p++;
          while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
          nf++;
          const n = ne - ls;
          if (n < FRAMING_INITIAL.length && FRAMING_INITIAL[n] === (b[ls]! | 0x20) && !this.specialField(b, ls, n, vs, ve)) return -2;
          // A line is done: the lines that follow whole in these bytes go faster through the
          // fast path's loop, which hands back here at the first one it cannot finish.
          const end = this.fieldLines(b, base, p, nf);
          if (end !== -1) return end;
          p = base + this.hp;
          nf = this.fieldCount;
          st = H_FIELD_START;
          break;
        }
        default: {
          // H_END_LF
          if (b[p] !== LF) return this.failHead('bare-cr');
          this.fieldCount = nf;
          return p + 1;
        }
      }
    }
  }

  /** RFC 9112 §3: the request line is scanned; now its version, method and target form. */
  private requestLine(b: Buffer, base: number, le: number): boolean {
    const p = base + this.versionStart;
    if (
      le - p !== 8 ||
      b[p] !== 0x48 ||
      b[p + 1] !== 0x54 ||
      b[p + 2] !== 0x54 ||
      b[p + 3] !== 0x50 ||
      b[p + 4] !== 0x2f ||
      !isDigit(b[p + 5]) ||
      b[p + 6] !== 0x2e ||
      !isDigit(b[p + 7])
    ) {
      return this.failLine('version-invalid');
    }
    if (b[p + 5] !== 0x31 || (b[p + 7] !== 0x31 && b[p + 7] !== 0x30)) {
      return this.failLine('version-unsupported');
    }
    this.versionMinor = b[p + 7] === 0x31 ? 1 : 0;
    return this.methodAndTarget(b, base + this.lineStart, base + this.methodEnd, base + this.targetStart, base + this.targetEnd);
  }

  /** The method and request-target of a request line whose bytes and version are valid: [ls, me) and [ts, te). */
  private methodAndTarget(b: Buffer, ls: number, me: number, ts: number, te: number): boolean {
    this.method = methodString(b, ls, me);
    // RFC 9112 §3.2: origin-form, absolute-form, authority-form (CONNECT), asterisk-form (OPTIONS).
    const first = b[ts];
    if (this.method === 'CONNECT') return this.failLine('connect-unsupported');
    if (first === 0x2a && te - ts === 1) {
      if (this.method !== 'OPTIONS') return this.failLine('asterisk-not-options');
    } else if (first !== 0x2f && !isAbsoluteForm(b, ts, te)) {
      return this.failLine('target-form');
    }
    this.target = latin1(b, ts, te);
    return true;
  }

  /** Interprets the fields that frame the message or the connection; the others are only recorded. */
  private specialField(b: Buffer, ls: number, nameLength: number, vs: number, ve: number): boolean {
    switch (nameLength) {
      case 4:
        if (IS_HOST(b, ls)) return this.onHost(b, vs, ve);
        break;
      case 6:
        if (IS_EXPECT(b, ls)) {
          this.expect = ve - vs === 12 && IS_100_CONTINUE(b, vs) && this.expect !== E_OTHER ? E_CONTINUE : E_OTHER;
        }
        break;
      case 10:
        if (IS_CONNECTION(b, ls)) this.onConnection(b, vs, ve);
        break;
      case 14:
        if (IS_CONTENT_LENGTH(b, ls)) return this.onContentLength(b, vs, ve);
        break;
      case 17:
        if (IS_TRANSFER_ENCODING(b, ls)) return this.onTransferEncoding(b, vs, ve);
        break;
    }
    return true;
  }

  /** Validates a trailer field line (RFC 9112 §7.1.2, with the field syntax of §5); trailers are then dropped. */
  private checkTrailerLine(b: Buffer, ls: number, le: number): ParseError | null {
    const first = b[ls];
    if (first === SP || first === HTAB) return this.fail('obs-fold');
    let p = ls;
    while (p < le && TOKEN[b[p] as number] === 1) p++;
    if (p === ls || p === le || b[p] !== COLON) return this.fail('trailer-invalid');
    for (p++; p < le; p++) {
      if (FIELD_VALUE[b[p] as number] === 0) return this.fail('trailer-value-char');
    }
    return null;
  }

  private onHost(b: Buffer, vs: number, ve: number): boolean {
    this.hostCount++;
    if (!isValidHost(b, vs, ve)) return this.failLine('host-invalid');
    return true;
  }

  private onConnection(b: Buffer, vs: number, ve: number): void {
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

  /** RFC 9112 §6.3 and RFC 9110 §8.6: 1*DIGIT, one value however many lines carry it. */
  private onContentLength(b: Buffer, vs: number, ve: number): boolean {
    if (vs === ve) return this.failLine('content-length-empty');
    let value = 0;
    for (let p = vs; p < ve; p++) {
      const d = (b[p] as number) - 0x30;
      if (d < 0 || d > 9) return this.failLine('content-length-invalid');
      // Past 2^53 the exact value no longer matters: it is far beyond any body limit.
      value = value > Number.MAX_SAFE_INTEGER / 10 ? Infinity : value * 10 + d;
    }
    if (this.contentLength !== -1 && this.contentLength !== value) return this.failLine('content-length-conflict');
    this.contentLength = value;
    return true;
  }

  /** RFC 9112 §6.1: a list of transfer codings, of which only a final `chunked` is supported. */
  private onTransferEncoding(b: Buffer, vs: number, ve: number): boolean {
    if (vs === ve) return this.failLine('transfer-encoding-empty');
    this.teSeen = true;
    const ok = forEachListElement(b, vs, ve, (s, e) => {
      let p = s;
      while (p < e && TOKEN[b[p] as number] === 1) p++;
      if (p === s) return false;
      const isChunked = p - s === 7 && IS_CHUNKED(b, s);
      if (p !== e) {
        // transfer-parameters: only codings we do not support may carry them
        if (isChunked) return false;
        while (p < e && (b[p] === SP || b[p] === HTAB)) p++;
        if (b[p] !== SEMI) return false;
      }
      if (isChunked) this.teChunkedCount++;
      else this.teUnknown = true;
      this.teLastIsChunked = isChunked;
      return true;
    });
    if (!ok) return this.failLine('transfer-encoding-invalid');
    return true;
  }

  private finishHead(head: Buffer, base: number): ParseEvent | null {
    const v1 = this.versionMinor === 1;
    if (this.hostCount > 1) return this.fail('host-repeated');
    if (v1 && this.hostCount === 0) return this.fail('host-missing');
    let chunked = false;
    if (this.teSeen) {
      if (!v1) return this.fail('transfer-encoding-http10');
      if (this.contentLength !== -1) return this.fail('transfer-encoding-with-content-length');
      if (!this.teLastIsChunked) return this.fail('chunked-not-final');
      if (this.teChunkedCount > 1) return this.fail('chunked-repeated');
      if (this.teUnknown) return this.fail('transfer-coding-unsupported');
      chunked = true;
    }
    if (this.contentLength > this.limits.maxBodyBytes) return this.fail('content-length-too-large');
    // RFC 9110 §10.1.1: an HTTP/1.0 request's Expect is ignored.
    const expect = v1 ? this.expect : E_NONE;
    if (expect === E_OTHER) return this.fail('expectation-unsupported');

    const keepAlive = v1 ? !this.connClose : this.connKeepAlive && !this.connClose;
    const request = new HttpRequest(
      this.method,
      this.target,
      this.versionMinor,
      new HeaderList(head, base + this.headersStart, this.fieldCount),
      EMPTY,
      keepAlive,
      expect === E_CONTINUE,
    );
    const contentLength = this.contentLength;
    this.resetHead();

    if (chunked) {
      this.current = request;
      this.state = S_CHUNK_SIZE;
      return request.expectContinue ? CONTINUE : null;
    }
    if (contentLength <= 0) return request;
    this.current = request;
    this.state = S_BODY;
    this.remaining = contentLength;
    if (request.expectContinue && this.buf.length - this.pos < contentLength) return CONTINUE;
    return null;
  }

  // --- chunked body -------------------------------------------------------------------------

  /** RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF, with the extensions validated and dropped. */
  private parseChunkSize(b: Buffer, s: number, e: number): ParseError | null {
    let p = s;
    let size = 0;
    while (p < e) {
      const v = HEX_VALUE[b[p] as number] as number;
      if (v === 255) break;
      size = size > Number.MAX_SAFE_INTEGER / 16 ? Infinity : size * 16 + v;
      p++;
    }
    if (p === s) return this.fail('chunk-size-invalid');
    if (p < e) {
      this.extTotal += e - p;
      if (this.extTotal > this.limits.maxChunkExtensionBytes) return this.fail('chunk-extensions-too-long');
      if (!isValidChunkExtensions(b, p, e)) return this.fail('chunk-extension-invalid');
    }
    if (size === 0) {
      this.state = S_TRAILERS;
      return null;
    }
    this.bodyTotal += size;
    if (this.bodyTotal > this.limits.maxBodyBytes) return this.fail('chunked-body-too-large');
    this.remaining = size;
    this.state = S_CHUNK_DATA;
    return null;
  }

  /** Reads one CRLF-terminated line into lineB[lineS, lineE), gathering it if it straddles chunks. */
  private readLine(maxLen: number, tooLong: 'chunk-line-too-long' | 'trailer-section-too-large'): number {
    const b = this.buf;
    const lf = b.indexOf(LF, this.pos);
    if (lf === -1) {
      const rest = b.subarray(this.pos);
      this.linePending = this.linePending === null ? Buffer.from(rest) : Buffer.concat([this.linePending, rest]);
      this.pos = b.length;
      if (this.linePending.length > maxLen + 1) {
        this.fail(tooLong);
        return LINE_ERROR;
      }
      return LINE_INCOMPLETE;
    }
    if (this.linePending !== null) {
      this.lineB = Buffer.concat([this.linePending, b.subarray(this.pos, lf + 1)]);
      this.lineS = 0;
      this.lineE = this.lineB.length - 1;
      this.linePending = null;
    } else {
      this.lineB = b;
      this.lineS = this.pos;
      this.lineE = lf;
    }
    this.pos = lf + 1;
    if (this.lineE === this.lineS || this.lineB[this.lineE - 1] !== CR) {
      this.fail('bare-lf');
      return LINE_ERROR;
    }
    this.lineE--;
    if (this.lineE - this.lineS > maxLen) {
      this.fail(tooLong);
      return LINE_ERROR;
    }
    return LINE_READY;
  }

  // --- bookkeeping --------------------------------------------------------------------------

  private complete(body: Buffer): HttpRequest {
    const request = this.current as HttpRequest;
    request.body = body;
    this.current = null;
    this.state = S_HEAD;
    this.bodyBuf = null;
    this.bodyFilled = 0;
    this.pieces = [];
    this.bodyTotal = 0;
    this.extTotal = 0;
    this.trailerCount = 0;
    this.trailerBytes = 0;
    return request;
  }

  private resetHead(): void {
    this.hs = H_START;
    this.hp = 0;
    this.lineStart = 0;
    this.headersStart = -1;
    this.skippedEmptyLine = false;
    this.fieldCount = 0;
    this.hostCount = 0;
    this.contentLength = -1;
    this.teSeen = false;
    this.teChunkedCount = 0;
    this.teLastIsChunked = false;
    this.teUnknown = false;
    this.connClose = false;
    this.connKeepAlive = false;
    this.expect = E_NONE;
  }

  private fail(code: ParseErrorCode): ParseError {
    this.error = new ParseError(code);
    this.state = S_DEAD;
    this.release();
    return this.error;
  }

  private failHead(code: ParseErrorCode): -2 {
    this.fail(code);
    return -2;
  }

  private failLine(code: ParseErrorCode): false {
    this.fail(code);
    return false;
  }

  private release(): void {
    this.buf = EMPTY;
    this.pos = 0;
    this.pending = null;
    this.pendingLen = 0;
    this.current = null;
    this.bodyBuf = null;
    this.pieces = [];
    this.linePending = null;
    this.lineB = EMPTY;
    this.fieldCount = 0;
  }
}

// The byte runs of a head. Each returns where the run starts failing, or `stop`. Most of a
// head's bytes go through these, so each tests four or eight bytes per loop turn (about twice
// as fast per byte in V8 as one, measured). Both stay small enough for V8 to inline them into
// the scanners, which it stops doing past a budget of bytecode: a longer tail in valueRun cost
// the inlining of run4 at the target and gained nothing (measured).

/**
 * A run of the bytes `table` accepts: tchar (TOKEN) for a field name, TARGET. When the run ends
 * inside a group of four, the bytes before its end are counted without a branch, as
 * t0 * (1 + t1 * (1 + t2)): a mispredicted loop exit, once per field line, costs more.
 */
function run4(table: Uint8Array, b: Buffer, p: number, stop: number): number {
  const stop4 = stop - 3;
  while (p < stop4 && (table[b[p] as number]! & table[b[p + 1] as number]! & table[b[p + 2] as number]! & table[b[p + 3] as number]!) === 1) p += 4;
  if (p < stop4) return p + table[b[p] as number]! * (1 + table[b[p + 1] as number]! * (1 + table[b[p + 2] as number]!));
  while (p < stop && table[b[p] as number] === 1) p++;
  return p;
}

/** field-value run: field-content bytes, SP and HTAB (RFC 9110 §5.5); stops at CR. */
function valueRun(b: Buffer, p: number, stop: number): number {
  const stop8 = stop - 7;
  while (
    p < stop8 &&
    (FIELD_VALUE[b[p] as number]! &
      FIELD_VALUE[b[p + 1] as number]! &
      FIELD_VALUE[b[p + 2] as number]! &
      FIELD_VALUE[b[p + 3] as number]! &
      FIELD_VALUE[b[p + 4] as number]! &
      FIELD_VALUE[b[p + 5] as number]! &
      FIELD_VALUE[b[p + 6] as number]! &
      FIELD_VALUE[b[p + 7] as number]!) ===
      1
  ) {
    p += 8;
  }
  while (p < stop && FIELD_VALUE[b[p] as number] === 1) p++;
  return p;
}

/**
 * Short strings from bytes: SHORT_STRING[n](b, s) is String.fromCharCode(b[s], ..., b[s + n - 1]),
 * generated once per length. For a request-target or a header name this is a few times cheaper
 * than latin1Slice, whose cost is mostly the call into C++ (measured: 10 bytes 30 ns against
 * 85 ns; the two meet at about 36 bytes).
 */
const SHORT_STRING: ReadonlyArray<(b: Buffer, s: number) => string> = Array.from({ length: 33 }, (_, n) => {
  const args = Array.from({ length: n }, (_, k) => `b[s + ${k}]`).join(', ');
  return new Function('b', 's', `return String.fromCharCode(${args});`) as (b: Buffer, s: number) => string;
});

/**
 * The bytes [s, e) as a string, each byte the code point of its value (latin1): short ones through
 * SHORT_STRING, longer ones through Buffer#latin1Slice (what toString('latin1') calls after
 * checking its arguments).
 */
function latin1(b: Buffer, s: number, e: number): string {
  const n = e - s;
  if (n < SHORT_STRING.length) return SHORT_STRING[n]!(b, s);
  return (b as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(s, e);
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/**
 * A test of whether the bytes at s spell `word` (lower-case letters, digits and "-"), ignoring
 * ASCII case; the caller has checked the length. It is generated once per word with the word's
 * bytes as constants, and reads four bytes at a time as one little-endian number: a loop over
 * the word cost four times as much (measured: about 40 ns against 10 ns for the name and value
 * of "Connection: keep-alive"). Setting bit 0x20 in each byte lower-cases a letter and leaves
 * digits and "-" alone; the only other byte it could turn into one of these is CR (into "-"),
 * and CR is never inside a validated name or value.
 */
function lowerMatcher(word: string): (b: Buffer, s: number) => boolean {
  const terms: string[] = [];
  for (let k = 0; k < word.length; k += 4) {
    const bytes: string[] = [];
    let value = 0;
    let caseBits = 0;
    for (let j = 0; j < 4 && k + j < word.length; j++) {
      bytes.push(`(b[s + ${k + j}] << ${8 * j})`);
      value |= word.charCodeAt(k + j) << (8 * j);
      caseBits |= 0x20 << (8 * j);
    }
    terms.push(`((${bytes.join(' | ')}) | ${caseBits}) === ${value | caseBits}`);
  }
  return new Function('b', 's', `return ${terms.join(' && ')};`) as (b: Buffer, s: number) => boolean;
}

const IS_HOST = lowerMatcher('host');
const IS_EXPECT = lowerMatcher('expect');
const IS_100_CONTINUE = lowerMatcher('100-continue');
const IS_CONNECTION = lowerMatcher('connection');
const IS_CONTENT_LENGTH = lowerMatcher('content-length');
const IS_TRANSFER_ENCODING = lowerMatcher('transfer-encoding');
const IS_KEEP_ALIVE = lowerMatcher('keep-alive');
const IS_CLOSE = lowerMatcher('close');
const IS_CHUNKED = lowerMatcher('chunked');

/** Returns a shared string for the common methods, so most requests allocate none for it. */
function methodString(b: Buffer, s: number, e: number): string {
  switch (e - s) {
    case 3:
      if (b[s] === 0x47 && b[s + 1] === 0x45 && b[s + 2] === 0x54) return 'GET';
      if (b[s] === 0x50 && b[s + 1] === 0x55 && b[s + 2] === 0x54) return 'PUT';
      break;
    case 4:
      if (b[s] === 0x50 && b[s + 1] === 0x4f && b[s + 2] === 0x53 && b[s + 3] === 0x54) return 'POST';
      if (b[s] === 0x48 && b[s + 1] === 0x45 && b[s + 2] === 0x41 && b[s + 3] === 0x44) return 'HEAD';
      break;
  }
  return latin1(b, s, e);
}

/** absolute-form (RFC 9112 §3.2.2): scheme ":" ... where scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ). */
function isAbsoluteForm(b: Buffer, s: number, e: number): boolean {
  const first = b[s] as number;
  if (!((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a))) return false;
  for (let p = s + 1; p < e; p++) {
    const c = b[p] as number;
    if (c === COLON) return p + 1 < e;
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
    if (!ok) return false;
  }
  return false;
}

/** Host = uri-host [ ":" port ] (RFC 9110 §7.2); empty is allowed. */
function isValidHost(b: Buffer, s: number, e: number): boolean {
  if (s === e) return true;
  let p = s;
  if (b[p] === 0x5b) {
    // IP-literal: "[" hex digits, ":" and "." "]"
    p++;
    while (p < e && b[p] !== 0x5d) {
      const c = b[p] as number;
      if (HEX_VALUE[c] === 255 && c !== COLON && c !== 0x2e) return false;
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
function forEachListElement(b: Buffer, s: number, e: number, visit: (s: number, e: number) => boolean): boolean {
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
function isValidChunkExtensions(b: Buffer, s: number, e: number): boolean {
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
