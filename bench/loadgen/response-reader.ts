// Where each HTTP/1.1 response ends, for the load generator's hot path. It frames responses
// (Content-Length, chunked, no body for HEAD, 1xx, 204 and 304, or until the connection closes),
// reads the status and whether the server will close, and skips bodies without copying them. It
// does not validate what a server sends beyond what framing needs: the conformance suite does that.

const CR = 0x0d;
const LF = 0x0a;
/** A head longer than this is not a response this generator can use: the connection is dropped. */
const MAX_HEAD = 64 * 1024;

const State = {
  Head: 0,
  Body: 1,
  ChunkSize: 2,
  ChunkExtension: 3,
  ChunkData: 4,
  ChunkDataEnd: 5,
  Trailer: 6,
  UntilClose: 7,
} as const;
type State = (typeof State)[keyof typeof State];

/** Whether bytes at `at` spell `name` in any case (`name` lower case). */
function namedAt(buf: Buffer, at: number, end: number, name: string): boolean {
  if (end - at < name.length) return false;
  for (let i = 0; i < name.length; i++) if (((buf[at + i] as number) | 0x20) !== name.charCodeAt(i)) return false;
  return true;
}

/** Where the blank line that ends a head starts (the CR of CR LF CR LF) in [from, to), or -1. */
function headEndIn(buf: Buffer, from: number, to: number): number {
  for (let i = from; i + 3 < to; i++) {
    if (buf[i + 3] !== LF) continue;
    if (buf[i] === CR && buf[i + 1] === LF && buf[i + 2] === CR) return i;
  }
  return -1;
}

/** The index of the LF that ends the line starting at `from`, or `end` (the head's blank line) when none does before it. */
function lineEnd(buf: Buffer, from: number, end: number): number {
  let i = from;
  while (i < end && buf[i] !== LF) i++;
  return i;
}

const isOws = (c: number | undefined) => c === 0x20 || c === 0x09 || c === CR;

/** A field value of decimal digits between optional whitespace, or -1 (none, other bytes, or past 2^53). */
function digits(buf: Buffer, from: number, end: number): number {
  let s = from;
  let e = end;
  while (s < e && isOws(buf[s])) s++;
  while (e > s && isOws(buf[e - 1])) e--;
  if (s === e) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return Number.isSafeInteger(v) ? v : -1;
}

/** Whether `word` (lower case) occurs in [from, end) in any case, as the value's substring. */
function containsWord(buf: Buffer, from: number, end: number, word: string): boolean {
  for (let i = from; i + word.length <= end; i++) if (namedAt(buf, i, end, word)) return true;
  return false;
}

/** Whether the value in [from, end), without trailing whitespace, ends with `word` (lower case) in any case. */
function endsWithWord(buf: Buffer, from: number, end: number, word: string): boolean {
  let e = end;
  while (e > from && isOws(buf[e - 1])) e--;
  return e - from >= word.length && namedAt(buf, e - word.length, e, word);
}

export class ResponseReader {
  /** Final responses whose status was not 2xx. */
  non2xx = 0;
  /** The last response said the server closes after it (Connection: close, or HTTP/1.0 without keep-alive). */
  closing = false;
  /** Set when the bytes cannot be framed; the connection is then unusable. */
  error: string | null = null;

  private state: State = State.Head;
  /** Part of a head that a read ended inside, copied out of the (reused) read buffer. */
  private partial: Buffer | null = null;
  private left = 0;
  private chunkSize = 0;
  private trailerLineLength = 0;

  /**
   * Whether each final response was non-2xx, oldest first, from its head on (so it may hold one
   * not yet complete): for a caller that attributes answers to requests. Null unless asked for.
   */
  readonly failedInOrder: boolean[] | null;

  /** `noBody`: the requests on this connection are HEAD, so no response has a body. `inOrder`: keep failedInOrder. */
  constructor(
    private readonly noBody = false,
    inOrder = false,
  ) {
    this.failedInOrder = inOrder ? [] : null;
  }

  /**
   * Reads bytes `start` to `end` of `chunk` and returns how many final responses they completed.
   * The bytes may be overwritten once it returns. After it sets `error`, the rest is not read.
   */
  feed(chunk: Buffer, start: number, end: number): number {
    // Bounded to the bytes read by index, not by a view: the reused buffer holds stale bytes past
    // them, which no search may scan or match, and a view (subarray) per read was an allocation
    // per response on the generator's hot path.
    let buf = chunk;
    let at = start;
    let stop = end;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, chunk.subarray(start, end)]);
      this.partial = null;
      at = 0;
      stop = buf.length;
    }
    let done = 0;
    while (at < stop) {
      switch (this.state) {
        case State.Head: {
          const headEnd = headEndIn(buf, at, stop);
          if (headEnd === -1) {
            if (stop - at > MAX_HEAD) return this.fail(done, 'response head over 64 KiB');
            this.partial = Buffer.from(buf.subarray(at, stop));
            return done;
          }
          const final = this.head(buf, at, headEnd);
          if (final === -1) return done;
          at = headEnd + 4;
          if (final === 1 && this.state === State.Head) done++;
          break;
        }
        case State.Body: {
          const n = Math.min(this.left, stop - at);
          at += n;
          this.left -= n;
          if (this.left === 0) {
            this.state = State.Head;
            done++;
          }
          break;
        }
        case State.ChunkSize: {
          const c = buf[at++] as number;
          const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
          if (digit >= 0) {
            this.chunkSize = this.chunkSize * 16 + digit;
            if (this.chunkSize > Number.MAX_SAFE_INTEGER / 16) return this.fail(done, 'chunk size too large');
          } else if (c === LF) {
            this.enterChunk();
          } else if (c === 0x3b || c === 0x20 || c === 0x09) {
            this.state = State.ChunkExtension;
          } else if (c !== CR) {
            return this.fail(done, 'bad chunk size');
          }
          break;
        }
        case State.ChunkExtension: {
          let lf = at;
          while (lf < stop && buf[lf] !== LF) lf++;
          if (lf >= stop) {
            at = stop;
          } else {
            at = lf + 1;
            this.enterChunk();
          }
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.left, stop - at);
          at += n;
          this.left -= n;
          if (this.left === 0) this.state = State.ChunkDataEnd;
          break;
        }
        case State.ChunkDataEnd: {
          // The CRLF after a chunk's data.
          if (buf[at++] === LF) {
            this.state = State.ChunkSize;
            this.chunkSize = 0;
          }
          break;
        }
        case State.Trailer: {
          const c = buf[at++] as number;
          if (c === LF) {
            if (this.trailerLineLength === 0) {
              this.state = State.Head;
              done++;
            }
            this.trailerLineLength = 0;
          } else if (c !== CR) {
            this.trailerLineLength++;
          }
          break;
        }
        case State.UntilClose:
          at = stop;
          break;
      }
    }
    return done;
  }

  /** The connection closed: 1 if that ended a response framed by the close, else 0. */
  end(): number {
    const ended = this.state === State.UntilClose ? 1 : 0;
    this.state = State.Head;
    this.partial = null;
    return ended;
  }

  /** Whether the connection closed in the middle of a response. */
  get midResponse(): boolean {
    return this.partial !== null || (this.state !== State.Head && this.state !== State.UntilClose);
  }

  private enterChunk(): void {
    if (this.chunkSize === 0) {
      this.state = State.Trailer;
      this.trailerLineLength = 0;
    } else {
      this.left = this.chunkSize;
      this.state = State.ChunkData;
    }
  }

  /** Reads one head (`at` to the blank line at `headEnd`): 1 for a final response, 0 for a 1xx, -1 on error. */
  private head(buf: Buffer, at: number, headEnd: number): number {
    if (!namedAt(buf, at, headEnd, 'http/1.') || headEnd - at < 12) return this.fail(-1, 'not an HTTP/1.x response');
    const minor = buf[at + 7];
    const status = ((buf[at + 9] as number) - 0x30) * 100 + ((buf[at + 10] as number) - 0x30) * 10 + ((buf[at + 11] as number) - 0x30);
    if (!(status >= 100 && status <= 999)) return this.fail(-1, 'bad status code');
    let contentLength = -1;
    let chunked = false;
    let close = minor === 0x30;
    let line = lineEnd(buf, at, headEnd) + 1;
    while (line < headEnd) {
      const le = lineEnd(buf, line, headEnd);
      const first = (buf[line] as number) | 0x20;
      // No strings: a response's head is read once per request, on the generator's hot path.
      if (first === 0x63) {
        if (namedAt(buf, line, le, 'content-length:')) {
          const v = digits(buf, line + 15, le);
          if (v < 0) return this.fail(-1, 'bad Content-Length');
          contentLength = v;
        } else if (namedAt(buf, line, le, 'connection:')) {
          if (containsWord(buf, line + 11, le, 'close')) close = true;
          else if (containsWord(buf, line + 11, le, 'keep-alive')) close = false;
        }
      } else if (first === 0x74 && namedAt(buf, line, le, 'transfer-encoding:')) {
        chunked = endsWithWord(buf, line + 18, le, 'chunked');
      }
      line = le + 1;
    }
    if (status < 200) return 0; // 1xx: the final response follows
    if (status >= 300) this.non2xx++;
    this.failedInOrder?.push(status >= 300);
    this.closing = close;
    if (this.noBody || status === 204 || status === 304) {
      this.state = State.Head;
    } else if (chunked) {
      this.state = State.ChunkSize;
      this.chunkSize = 0;
    } else if (contentLength > 0) {
      this.state = State.Body;
      this.left = contentLength;
    } else if (contentLength === -1) {
      this.state = State.UntilClose;
    }
    return 1;
  }

  /** Marks the connection unusable; returns `result` for the caller to return. */
  private fail(result: number, why: string): number {
    this.error = why;
    this.state = State.Head;
    this.partial = null;
    return result;
  }
}
