// biome-ignore-all lint/suspicious/noFallthroughSwitchClause: the resumable scanner's states run into each other on purpose (see the table below)
// The request head: request line and field lines, up to the empty line (RFC 9112 §2.1, §3, §5).
// The hot part of the parser; parser.ts gathers the bytes and handles bodies.
//
// Two scanners that must agree on every input:
//
// - scanWhole, the fast path, for the common case of a head that starts at the start of the
//   unread bytes: one pass, everything in locals, nothing saved between calls. It knows none of
//   the error cases. The moment anything is not plainly valid (bytes run out, a limit is near, a
//   byte is out of place) it hands the head over to the resumable scanner, which finds the same
//   answer and gives the reason.
// - scanResumable, a state machine that can stop at any byte and carry on with the next chunk,
//   and that names the rule for every refusal.
//
// The hand-over is a value (Handover): where the resumable scanner starts, and what was read
// before it. Within the request line the fast path records nothing, so it hands over the head
// from its start; within the field lines, from the start of the line at hand, with the lines
// before it counted and their framing fields already given to Framing. After the resumable
// scanner finishes a field line, the lines that follow whole in the same bytes go back through
// the fast loop (fieldLines), so a head cut by a chunk boundary is slow only around the cut.
//
// Limits bound the scan itself: no byte past a limit is ever looked at, so an input gets the
// same answer however it is cut into chunks. The tests feed every case of the parser table
// whole, byte by byte and at every split, and compare.

import { latin1 } from './bytes.js';
import { COLON, CR, FIELD_VALUE as FIELD_VALUE_TABLE, HTAB, isDigit, LF, SP, TARGET as TARGET_TABLE, TOKEN as TOKEN_TABLE } from './chars.js';
import { isAbsoluteForm } from './field-syntax.js';
import { FRAMING_INITIAL as FRAMING_INITIAL_TABLE, Framing, isContentLengthName, isTransferEncodingName } from './framing.js';
import type { ParserLimits } from './limits.js';
import type { ParseErrorCode } from './parse-error.js';

// The byte tables as module-local constants: in the hot loops V8 reads an imported binding
// through its module cell on every access (measured about twice as slow per byte).
const TOKEN = TOKEN_TABLE;
const TARGET = TARGET_TABLE;
const FIELD_VALUE = FIELD_VALUE_TABLE;
const FRAMING_INITIAL = FRAMING_INITIAL_TABLE;

/**
 * The methods of RFC 9110 §9 and PATCH (RFC 5789): what a server implements unless told of more.
 * CONNECT is among them only to be refused with its own reason (connect-unsupported).
 */
export const STANDARD_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
const NO_METHODS: ReadonlySet<string> = new Set();

/** scan() found no end of the head in the bytes it was given: more are needed. */
export const HEAD_INCOMPLETE = -1;
/** scan() refused the head: `error` names the rule. */
export const HEAD_ERROR = -2;

// The resumable scanner's states. Each reads one part of a line in a tight loop and, while
// bytes last, falls through into the next:
//
//   state          reads                            then
//   H_START        CR, or the method's first byte   H_SKIP_LF, or H_METHOD
//   H_SKIP_LF      LF (one empty line is allowed)   H_START
//   H_METHOD       tchar* SP                        H_TARGET
//   H_TARGET       request-target SP                H_VERSION
//   H_VERSION      up to CR (the line is judged)    H_LINE_LF
//   H_LINE_LF      LF                               H_FIELD_START
//   H_FIELD_START  CR, or a name's first byte       H_END_LF, or H_NAME
//   H_NAME         tchar* ":"                       H_OWS
//   H_OWS          SP / HTAB *                      H_VALUE
//   H_VALUE        field-value CR                   H_FIELD_LF
//   H_FIELD_LF     LF (the field is judged)         fieldLines, then H_FIELD_START
//   H_END_LF       LF                               the head is complete
//
// Any byte a state does not expect is a refusal with the rule it breaks.
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

/** Where the fast loop stopped, for the resumable scanner to carry on: a state, a position relative to the head's start, and the field lines read before it. */
interface Handover {
  readonly state: typeof H_START | typeof H_FIELD_START;
  readonly at: number;
  readonly fieldCount: number;
}

/** The fast path gave up in the request line: start over, from the head's first byte. */
const FROM_HEAD_START: Handover = Object.freeze({ state: H_START, at: 0, fieldCount: 0 });

/** Scans one head at a time; reset() before the next. Positions are relative to the head's first byte, so they stay valid when a partial head is moved into another buffer. */
export class HeadScanner {
  // --- what a complete head yields -----------------------------------------------------------
  method = '';
  target = '';
  versionMinor: 0 | 1 = 1;
  /** Where the first field line starts, or -1 while the request line is not complete. */
  headersStart = -1;
  fieldCount = 0;
  readonly framing: Framing;
  /** The rule a refused head broke (after HEAD_ERROR). */
  error: ParseErrorCode = 'destroyed';

  // --- where the resumable scanner stopped (saved only when it suspends) ---------------------
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
  private skippedEmptyLine = false;

  constructor(
    private readonly limits: Readonly<ParserLimits>,
    /** false: every head through the resumable scanner alone (to compare the two, in tests and in bench:parser). */
    private readonly fastPath = true,
    /** Methods implemented beside the standard ones. */
    private readonly extraMethods: ReadonlySet<string> = NO_METHODS,
  ) {
    this.framing = new Framing(limits.maxBodyBytes);
  }

  /**
   * What a framing field's value, read up to e, already rules out, judged as the whole line would
   * be: a Content-Length's digits so far; a Transfer-Encoding whose value has ended (its CR read).
   */
  private framingSoFar(b: Buffer, ls: number, ne: number, vs: number, e: number, valueEnded: boolean): ParseErrorCode | null {
    if (isContentLengthName(b, ls, ne)) return this.framing.contentLengthSoFar(b, vs, e);
    if (!valueEnded || !isTransferEncodingName(b, ls, ne)) return null;
    let ve = e;
    while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
    return this.framing.transferEncodingRefusal(b, vs, ve);
  }

  /** Whether [s, e) begins a method the server implements: once it cannot, the method is refused, however its bytes arrive. */
  private methodPrefix(b: Buffer, s: number, e: number): boolean {
    const prefix = b.toString('latin1', s, e);
    for (const m of STANDARD_METHODS) if (m.startsWith(prefix)) return true;
    for (const m of this.extraMethods) if (m.startsWith(prefix)) return true;
    return false;
  }

  /** Whether the server implements `method`; the four commonest are constants from methodString, compared without a lookup. */
  private implemented(method: string): boolean {
    return method === 'GET' || method === 'POST' || method === 'HEAD' || method === 'PUT' || STANDARD_METHODS.has(method) || this.extraMethods.has(method);
  }

  /**
   * Scans the head that starts at b[base], from where the last call stopped. Returns the head's
   * end (absolute, after the empty line), HEAD_INCOMPLETE, or HEAD_ERROR.
   */
  scan(b: Buffer, base: number): number {
    if (this.fastPath && this.hs === H_START && this.hp === 0) {
      const fast = this.scanWhole(b, base);
      if (typeof fast === 'number') return fast;
      this.hs = fast.state;
      this.hp = fast.at;
      this.fieldCount = fast.fieldCount;
    }
    return this.scanResumable(b, base);
  }

  /** Ready for the next head. */
  reset(): void {
    this.hs = H_START;
    this.hp = 0;
    this.lineStart = 0;
    this.headersStart = -1;
    this.skippedEmptyLine = false;
    this.fieldCount = 0;
    this.framing.reset();
  }

  /**
   * The fast path: a head whole at b[base], in one pass. Returns the head's end, HEAD_ERROR for a
   * framing field or request-target that breaks a rule (the checks both scanners share), or a
   * Handover to the resumable scanner.
   */
  private scanWhole(b: Buffer, base: number): number | Handover {
    const stop = Math.min(b.length, base + this.limits.maxRequestLineBytes + 2);
    let p = base;
    while (p < stop && TOKEN[b[p] as number] === 1) p++;
    if (p === base || p >= stop || b[p] !== SP) return FROM_HEAD_START;
    const me = p;
    const ts = ++p;
    p = run4(TARGET, b, p, stop);
    if (p === ts || p + 11 > stop || b[p] !== SP) return FROM_HEAD_START;
    // "HTTP/1.1" or "HTTP/1.0", then CRLF; anything else is the resumable scanner's to judge.
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
      return FROM_HEAD_START;
    }
    this.versionMinor = b[p + 8] === 0x31 ? 1 : 0;
    const refused = this.methodAndTarget(b, base, me, ts, p);
    if (refused !== null) return this.fail(refused);
    p += 11;
    this.headersStart = p - base;
    return this.fieldLines(b, base, p, 0);
  }

  /**
   * The fast loop over field lines, from p (absolute, a line start) with nf lines read before.
   * A function of its own so that V8 optimizes it apart, with its own budget for inlining the
   * byte runs and the framing check (in one function with the request line, some call sites
   * went without). Returns the head's end, HEAD_ERROR, or where the resumable scanner carries on.
   */
  private fieldLines(b: Buffer, base: number, p: number, nf: number): number | Handover {
    const maxHeaderCount = this.limits.maxHeaderCount;
    const stop = Math.min(b.length, base + this.headersStart + this.limits.maxHeaderBytes);
    for (;;) {
      if (p >= stop) return fromLine(base, p, nf);
      if (b[p] === CR) {
        if (p + 1 >= stop || b[p + 1] !== LF) return fromLine(base, p, nf);
        this.fieldCount = nf;
        return p + 2;
      }
      if (nf >= maxHeaderCount) return fromLine(base, p, nf);
      const ls = p;
      p = run4(TOKEN, b, p, stop);
      if (p === ls || p >= stop || b[p] !== COLON) return fromLine(base, ls, nf);
      const ne = p++;
      while (p < stop && (b[p] === SP || b[p] === HTAB)) p++;
      const vs = p;
      p = valueRun(b, p, stop);
      if (p + 1 >= stop || b[p] !== CR || b[p + 1] !== LF) return fromLine(base, ls, nf);
      let ve = p;
      p += 2;
      while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
      nf++;
      const n = ne - ls;
      if (n < FRAMING_INITIAL.length && FRAMING_INITIAL[n] === (b[ls]! | 0x20)) {
        const refused = this.framing.field(b, ls, n, vs, ve);
        if (refused !== null) return this.fail(refused);
      }
    }
  }

  /**
   * The resumable scanner: carries on from the saved state, with the positions of the line at
   * hand in locals while it scans, saved only when it suspends.
   */
  private scanResumable(b: Buffer, base: number): number {
    const { maxRequestLineBytes, maxHeaderBytes, maxHeaderCount } = this.limits;
    let p = base + this.hp;
    let st = this.hs;
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
        // Bytes that already break a rule are refused now, not when the rest of the head comes
        // (if it ever does): a method that cannot become an implemented one, a version that
        // cannot be one we support, a Content-Length whose digits already exceed the body limit.
        // Before the limits, which a head whole in one chunk reaches where a cut one suspends
        // earlier: these read only bytes within the limit, and so answer alike either way.
        const early =
          st === H_METHOD && !this.methodPrefix(b, ls, p)
            ? 'method-not-implemented'
            : st === H_VERSION
              ? versionSoFar(b, base + this.versionStart, p)
              : st === H_VALUE || st === H_FIELD_LF
                ? this.framingSoFar(b, ls, ne, vs, st === H_VALUE ? p : ve, st === H_FIELD_LF)
                : null;
        if (early !== null) return this.fail(early);
        if (stop === limitEnd) return this.fail(this.headersStart < 0 ? 'request-line-too-long' : 'header-section-too-large');
        this.hs = st;
        this.hp = p - base;
        this.lineStart = ls - base;
        this.nameEnd = ne - base;
        this.valueStart = vs - base;
        this.valueEnd = ve - base;
        this.fieldCount = nf;
        return HEAD_INCOMPLETE;
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
          if (b[p] !== LF) return this.fail('bare-cr');
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
          const c = b[p];
          if (p === ls) return this.fail(c === CR && this.skippedEmptyLine ? 'empty-lines-before-request' : c === LF ? 'bare-lf' : 'method-empty');
          // A method that can no longer become one the server implements is what is wrong, whatever ends it.
          if (c !== SP)
            return this.fail(this.methodPrefix(b, ls, p) ? (c === CR || c === LF ? 'request-line-incomplete' : 'method-char') : 'method-not-implemented');
          // RFC 9110 §9.1: a method the server does not implement is refused as soon as it is read.
          if (!this.implemented(methodString(b, ls, p))) return this.fail('method-not-implemented');
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
          if (p === base + this.targetStart) return this.fail('target-empty');
          if (c === CR || c === LF) return this.fail('version-missing');
          if (c !== SP) return this.fail('target-char');
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
          // A version already ruled out by its bytes is what is wrong, whatever ends the line.
          if (b[p] === LF) return this.fail(versionSoFar(b, base + this.versionStart, p) ?? 'bare-lf');
          const refused = this.requestLine(b, base, p);
          if (refused !== null) return this.fail(refused);
          p++;
        }
        // falls through
        case H_LINE_LF: {
          if (p === stop) {
            st = H_LINE_LF;
            break;
          }
          if (b[p] !== LF) return this.fail('bare-cr');
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
          if (c === LF) return this.fail('bare-lf');
          // RFC 9112 §2.2 (before the first field) and §5.2 (obs-fold).
          if (c === SP || c === HTAB) return this.fail(nf === 0 ? 'whitespace-before-fields' : 'obs-fold');
          if (nf >= maxHeaderCount) return this.fail('too-many-fields');
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
            if (c === SP || c === HTAB) return this.fail('field-name-whitespace');
            if (c === CR || c === LF) return this.fail('field-no-colon');
            return this.fail('field-name-char');
          }
          if (p === ls) return this.fail('field-name-empty');
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
            // A Content-Length already refused by its digits stays refused for that, as it is when its bytes arrive apart.
            const cl = this.framingSoFar(b, ls, ne, vs, p, false);
            return this.fail(cl ?? (c === LF ? 'bare-lf' : c === 0 ? 'field-value-nul' : 'field-value-char'));
          }
          ve = p++;
        }
        // falls through
        case H_FIELD_LF: {
          if (p === stop) {
            st = H_FIELD_LF;
            break;
          }
          if (b[p] !== LF) return this.fail(this.framingSoFar(b, ls, ne, vs, ve, true) ?? 'bare-cr');
          p++;
          while (ve > vs && (b[ve - 1] === SP || b[ve - 1] === HTAB)) ve--;
          nf++;
          const n = ne - ls;
          if (n < FRAMING_INITIAL.length && FRAMING_INITIAL[n] === (b[ls]! | 0x20)) {
            const refused = this.framing.field(b, ls, n, vs, ve);
            if (refused !== null) return this.fail(refused);
          }
          // A line is done: the lines that follow whole in these bytes go faster through the
          // fast loop, which hands back here at the first one it cannot finish.
          if (this.fastPath) {
            const rest = this.fieldLines(b, base, p, nf);
            if (typeof rest === 'number') return rest;
            p = base + rest.at;
            nf = rest.fieldCount;
          }
          st = H_FIELD_START;
          break;
        }
        default: {
          // H_END_LF
          if (b[p] !== LF) return this.fail('bare-cr');
          this.fieldCount = nf;
          return p + 1;
        }
      }
    }
  }

  /** RFC 9112 §3: the request line is scanned up to its CR at le; now its version, method and target form. */
  private requestLine(b: Buffer, base: number, le: number): ParseErrorCode | null {
    const p = base + this.versionStart;
    const supported =
      le - p === 8 &&
      b[p] === 0x48 &&
      b[p + 1] === 0x54 &&
      b[p + 2] === 0x54 &&
      b[p + 3] === 0x50 &&
      b[p + 4] === 0x2f &&
      b[p + 5] === 0x31 &&
      b[p + 6] === 0x2e &&
      (b[p + 7] === 0x31 || b[p + 7] === 0x30);
    if (!supported) {
      // Judged left to right, as versionSoFar judges a line not yet ended, so the answer does not
      // depend on where the bytes were cut: the first byte that rules the version out decides.
      return versionSoFar(b, p, le) ?? 'version-invalid';
    }
    this.versionMinor = b[p + 7] === 0x31 ? 1 : 0;
    return this.methodAndTarget(b, base + this.lineStart, base + this.methodEnd, base + this.targetStart, base + this.targetEnd);
  }

  /** The method [ls, me) and request-target [ts, te) of a request line whose bytes and version are valid. */
  private methodAndTarget(b: Buffer, ls: number, me: number, ts: number, te: number): ParseErrorCode | null {
    this.method = methodString(b, ls, me);
    if (!this.implemented(this.method)) return 'method-not-implemented';
    // RFC 9112 §3.2: origin-form, absolute-form, authority-form (CONNECT), asterisk-form (OPTIONS).
    const first = b[ts];
    if (this.method === 'CONNECT') return 'connect-unsupported';
    if (first === 0x2a && te - ts === 1) {
      if (this.method !== 'OPTIONS') return 'asterisk-not-options';
    } else if (first !== 0x2f && !isAbsoluteForm(b, ts, te)) {
      return 'target-form';
    }
    this.target = latin1(b, ts, te);
    return null;
  }

  private fail(code: ParseErrorCode): typeof HEAD_ERROR {
    this.error = code;
    return HEAD_ERROR;
  }
}

/** The fast loop cannot finish the field line at ls (absolute): the resumable scanner starts there, nf lines read. */
function fromLine(base: number, ls: number, nf: number): Handover {
  return { state: H_FIELD_START, at: ls - base, fieldCount: nf };
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

/** RFC 9112 §2.3: the version bytes read so far, [s, e), can still become HTTP/1.0 or HTTP/1.1; else why not. */
function versionSoFar(b: Buffer, s: number, e: number): ParseErrorCode | null {
  const want = 'HTTP/1.';
  for (let i = 0; s + i < e; i++) {
    const c = b[s + i] as number;
    if (i < 5 || i === 6) {
      if (c !== want.charCodeAt(i)) return 'version-invalid';
    } else if (i === 5 || i === 7) {
      if (!isDigit(c)) return 'version-invalid';
      if (i === 5 ? c !== 0x31 : c !== 0x30 && c !== 0x31) return 'version-unsupported';
    } else {
      return 'version-invalid';
    }
  }
  return null;
}

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
