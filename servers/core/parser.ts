// An incremental HTTP/1.1 request parser (RFC 9112, RFC 9110).
//
// Design:
// - Pull-style: feed(chunk), then call next() until it answers need-more. The caller decides when
//   to pull, so it can stop pulling (and stop reading the socket) while responses are backed up.
// - Zero-copy: a request head found inside one chunk is parsed in place. Every byte of it is
//   validated, but only the method, the target and the fields that frame the message (Host,
//   Content-Length, Transfer-Encoding, Connection, Expect) are interpreted; the other header
//   fields are located again, and made into strings, only if someone asks (header-list.ts). A
//   head that straddles chunks is gathered into one buffer (the only copy), and so is a body
//   that straddles.
// - The head is the hot part and has a module of its own (head-scanner.ts): a one-pass fast path
//   for a head whole in its chunk, and a resumable scanner for everything else. `npm run
//   bench:parser` measures what the fast path gains (its `scratch/scratch-resumable` ratio, the
//   same parser with `fastPath: false`): over six runs on the 2-core machine (Node 20), 1.24x
//   to 1.46x on the minimal GET and 1.07x to 1.35x on the browser-like GET (548 bytes, 12
//   fields). Counted in instructions, which repeat where timings are noisy (bench/micro/parser-loop.ts
//   under valgrind's callgrind, the command in its header): 2,624 against 3,516 per minimal GET,
//   13,960 against 16,799 per browser-like GET, 83,346 against 105,314 per 16 pipelined requests.
// - The lines of a chunked body, chunk-size and trailer lines, have their grammars in
//   chunked-lines.ts: each written once and judged as the line's bytes arrive, whole or not.
// - Line endings: only CRLF ends a line. A bare LF is answered 400 rather than accepted (RFC 9112
//   §2.2 allows either); accepting it is how a front end and a back end come to disagree about
//   where a request ends. A bare CR is always 400.
// - Transfer-Encoding together with Content-Length is answered 400 (RFC 9112 §6.3 allows that or
//   processing as chunked and closing); refusing is the choice that cannot be smuggled through.
// - Bad input is a value (ParseError, with a code that names the rule: parse-error.ts), never an
//   exception; after one, the parser is dead.
//
// The parser's states, one request after another:
//
//   S_HEAD ──(no body)──────────────────────────────────────────────────────────▶ S_HEAD
//   S_HEAD ──Content-Length──▶ S_BODY ──────────────────────────────────────────▶ S_HEAD
//   S_HEAD ──chunked──▶ S_CHUNK_SIZE ──▶ S_CHUNK_DATA ──▶ S_CHUNK_DATA_END ──▶ S_CHUNK_SIZE …
//                       S_CHUNK_SIZE ──(size 0)──▶ S_TRAILERS ──(empty line)────▶ S_HEAD
//   any state ──refusal──▶ S_DEAD

import { CR, HEX_VALUE, LF, NOT_HEX } from './chars.js';
import { type LineGrammar, lineRefusal, scanChunkLine, scanTrailerLine } from './chunked-lines.js';
import { HEAD_ERROR, HEAD_INCOMPLETE, HeadScanner } from './head-scanner.js';
import { HeaderList } from './header-list.js';
import { DEFAULT_LIMITS, type ParserLimits } from './limits.js';
import { ParseError, type ParseErrorCode } from './parse-error.js';

const EMPTY = Buffer.alloc(0);

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

/** What readLine() found. */
const LINE_INCOMPLETE = 0;
const LINE_READY = 1;
const LINE_ERROR = 2;

/** How a parser reads heads. */
export interface ParserOptions {
  /**
   * Whether a head whole in its chunk goes through the one-pass fast path (default true). Only
   * tests and bench:parser turn it off, to compare the resumable scanner alone with the two.
   */
  fastPath?: boolean;
  /**
   * Methods implemented beside the standard ones (STANDARD_METHODS), such as an app's own: any
   * other method is refused with 501 as soon as the method has been read, before any route is
   * looked up (RFC 9110 §9.1).
   */
  methods?: ReadonlySet<string>;
}

/** Incremental request parser for one connection. */
export class RequestParser {
  private readonly limits: ParserLimits;
  /** Bytes a complete head can take at most: one skipped empty line, request line, header section. */
  private readonly headLimit: number;
  private readonly head: HeadScanner;

  private state = S_HEAD;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private error: ParseError | null = null;

  /** A head cut by a chunk boundary, gathered here until it is whole: pendingLen bytes of it. */
  private pending: Buffer | null = null;
  private pendingLen = 0;

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
  /** Bytes of the CRLF after chunk data seen so far (0 or 1). */
  private crlfSeen = 0;
  /** The line readLine() found: lineB[lineS, lineE), CRLF excluded; linePending holds one cut by a chunk boundary. */
  private linePending: Buffer | null = null;
  private lineB: Buffer = EMPTY;
  private lineS = 0;
  private lineE = 0;

  constructor(limits: Partial<ParserLimits> = {}, options: ParserOptions = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.headLimit = 2 + this.limits.maxRequestLineBytes + 2 + this.limits.maxHeaderBytes;
    this.head = new HeadScanner(this.limits, options.fastPath ?? true, options.methods);
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
          const r = this.readLine(this.limits.maxChunkExtensionBytes + 32, 'chunk-line-too-long', scanChunkLine);
          if (r === LINE_INCOMPLETE) return NEED_MORE;
          if (r === LINE_ERROR) return this.refusal();
          const refused = this.chunkSize(this.lineB, this.lineS, this.lineE);
          if (refused !== null) return this.fail(refused);
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
          if (this.buf[this.pos++] !== (this.crlfSeen === 0 ? CR : LF)) return this.fail('chunk-data-no-crlf');
          if (++this.crlfSeen === 2) this.state = S_CHUNK_SIZE;
          break;
        }
        case S_TRAILERS: {
          const r = this.readLine(this.limits.maxHeaderBytes, 'trailer-section-too-large', scanTrailerLine);
          if (r === LINE_INCOMPLETE) return NEED_MORE;
          if (r === LINE_ERROR) return this.refusal();
          const { lineS: s, lineE: e } = this;
          this.trailerBytes += e - s + 2;
          if (this.trailerBytes > this.limits.maxHeaderBytes) return this.fail('trailer-section-too-large');
          if (e === s) {
            const body = this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces, this.bodyTotal);
            return this.complete(body);
          }
          if (++this.trailerCount + this.request().headers.count > this.limits.maxHeaderCount) return this.fail('too-many-trailer-fields');
          break; // trailer fields are validated (scanTrailerLine), then dropped
        }
        default:
          return this.refusal();
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

    const headEnd = this.head.scan(b, base);
    if (headEnd === HEAD_ERROR) return this.fail(this.head.error);
    if (headEnd === HEAD_INCOMPLETE) {
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

  /** The head in b from base is complete and valid line by line: judge its framing, then yield the request or go on to its body. */
  private finishHead(b: Buffer, base: number): ParseEvent | null {
    const head = this.head;
    const framing = head.framing;
    const v = head.versionMinor;
    const refused = framing.verdict(v);
    if (refused !== null) return this.fail(refused);
    const request = new HttpRequest(
      head.method,
      head.target,
      v,
      new HeaderList(b, base + head.headersStart, head.fieldCount),
      EMPTY,
      framing.keepAlive(v),
      framing.expectContinue(v),
    );
    const chunked = framing.chunked;
    const length = framing.bodyLength;
    head.reset();

    if (chunked) {
      this.current = request;
      this.state = S_CHUNK_SIZE;
      return request.expectContinue ? CONTINUE : null;
    }
    if (length === 0) return request;
    this.current = request;
    this.state = S_BODY;
    this.remaining = length;
    if (request.expectContinue && this.buf.length - this.pos < length) return CONTINUE;
    return null;
  }

  // --- chunked body -------------------------------------------------------------------------

  /** A chunk-size line [s, e), CRLF excluded, that scanChunkLine passed: its size and limits; its extensions are dropped. */
  private chunkSize(b: Buffer, s: number, e: number): ParseErrorCode | null {
    let p = s;
    let size = 0;
    while (p < e) {
      const v = HEX_VALUE[b[p] as number] as number;
      if (v === NOT_HEX) break;
      size = size > Number.MAX_SAFE_INTEGER / 16 ? Infinity : size * 16 + v;
      p++;
    }
    if (p === s) throw new Error('RequestParser: a chunk-size line without hex digits passed scanChunkLine');
    if (p < e) {
      this.extTotal += e - p;
      if (this.extTotal > this.limits.maxChunkExtensionBytes) return 'chunk-extensions-too-long';
    }
    if (size === 0) {
      this.state = S_TRAILERS;
      return null;
    }
    this.bodyTotal += size;
    if (this.bodyTotal > this.limits.maxBodyBytes) return 'chunked-body-too-large';
    this.remaining = size;
    this.state = S_CHUNK_DATA;
    return null;
  }

  /** Reads one CRLF-terminated line into lineB[lineS, lineE), gathering it if it straddles chunks; judged by its grammar as its bytes arrive (lineRefusal). */
  private readLine(maxLen: number, tooLong: 'chunk-line-too-long' | 'trailer-section-too-large', grammar: LineGrammar): number {
    const b = this.buf;
    const lf = b.indexOf(LF, this.pos);
    if (lf === -1) {
      const rest = b.subarray(this.pos);
      this.linePending = this.linePending === null ? Buffer.from(rest) : Buffer.concat([this.linePending, rest]);
      this.pos = b.length;
      const refused = lineRefusal(grammar, this.linePending, 0, this.linePending.length, maxLen, false);
      if (refused === null) return LINE_INCOMPLETE;
      this.fail(refused === 'too-long' ? tooLong : refused);
      return LINE_ERROR;
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
    const refused = lineRefusal(grammar, this.lineB, this.lineS, this.lineE, maxLen, true);
    if (refused !== null) {
      this.fail(refused === 'too-long' ? tooLong : refused);
      return LINE_ERROR;
    }
    this.lineE--;
    return LINE_READY;
  }

  // --- bookkeeping --------------------------------------------------------------------------

  /** The request whose body is being read; there is one in every body state. */
  private request(): HttpRequest {
    if (this.current === null) throw new Error('RequestParser: no request in a body state');
    return this.current;
  }

  /** The refusal that stopped the parser; there is one whenever a line read or the state says so. */
  private refusal(): ParseError {
    if (this.error === null) throw new Error('RequestParser: no refusal recorded');
    return this.error;
  }

  private complete(body: Buffer): HttpRequest {
    const request = this.request();
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

  private fail(code: ParseErrorCode): ParseError {
    this.error = new ParseError(code);
    this.state = S_DEAD;
    this.release();
    return this.error;
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
    this.head.reset();
  }
}
