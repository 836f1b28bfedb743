import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random.js';
import { ResponseReader } from './response-reader.js';

/** What a reader reports once it has read a case's bytes (and, if asked, the close after them). */
interface Outcome {
  /** Final responses completed, by feed() and end() together. */
  completed: number;
  non2xx: number;
  closing: boolean;
  /** The reason it gave up, or null. */
  error: string | null;
  /** Whether a close here would cut a response short. */
  midResponse: boolean;
}

interface ReaderCase {
  name: string;
  raw: string;
  /** The requests were HEAD. */
  noBody?: boolean;
  /** The server closes after the bytes: end() is called and its count added. */
  closeAfter?: boolean;
  /** Too long to re-feed at every boundary (each split re-copies the partial head): whole and random cuts only. */
  large?: boolean;
  expect: Outcome;
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\n${extra}Content-Length: ${body.length}\r\n\r\n${body}`;
const fine = (completed: number, more: Partial<Outcome> = {}): Outcome => ({ completed, non2xx: 0, closing: false, error: null, midResponse: false, ...more });

const cases: ReaderCase[] = [
  // Content-Length
  { name: 'one response framed by Content-Length', raw: ok('Hello, World!'), expect: fine(1) },
  { name: 'Content-Length: 0 ends at the blank line', raw: ok(''), expect: fine(1) },
  { name: 'three pipelined responses back to back', raw: ok('a') + ok('bb') + ok('ccc'), expect: fine(3) },
  {
    name: 'a body that looks like a response is skipped, not parsed',
    raw: ok('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n') + ok('x'),
    expect: fine(2),
  },
  { name: 'a head cut short is mid-response', raw: 'HTTP/1.1 200 OK\r\nContent-Len', expect: fine(0, { midResponse: true }) },
  { name: 'a body cut short is mid-response', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello', expect: fine(0, { midResponse: true }) },
  { name: 'no reason phrase', raw: 'HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok', expect: fine(1) },

  // Status
  {
    name: 'non-2xx final responses are counted, 2xx are not',
    raw: `${ok('a')}HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx${ok('b')}HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\nHTTP/1.1 301 Moved\r\nContent-Length: 0\r\n\r\n`,
    expect: fine(5, { non2xx: 3 }),
  },

  // Chunked
  {
    name: 'chunked, then a response framed by Content-Length',
    raw: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, World\r\n0\r\n\r\n${ok('next')}`,
    expect: fine(2),
  },
  {
    name: 'chunk extensions (with spaces and quoted strings) and trailers',
    raw:
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum, Y\r\n\r\n' +
      '5;name=value\r\nhello\r\n6 ; a="b;c d"\r\n world\r\n0;last=1\r\nX-Sum: 11\r\nY: 2\r\n\r\n' +
      ok('ok'),
    expect: fine(2),
  },
  {
    name: 'chunk sizes in hex of either case, data holding CRLF and a blank line',
    raw: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n\r\n\r\n012345\r\nf\r\n0123456789abcde\r\n10\r\n0123456789ABCDEF\r\n0\r\n\r\n${ok('z')}`,
    expect: fine(2),
  },
  { name: 'chunked with only the last chunk', raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', expect: fine(1) },
  {
    name: 'chunked wins over Content-Length',
    raw: `HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n${ok('ok')}`,
    expect: fine(2),
  },
  {
    name: 'chunked cut inside the trailers is mid-response',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX: 1\r\n',
    expect: fine(0, { midResponse: true }),
  },

  // Interim and bodiless responses
  {
    name: '100 Continue before the 200 is not a response of its own',
    raw: `HTTP/1.1 100 Continue\r\n\r\n${ok('done')}`,
    expect: fine(1),
  },
  {
    name: 'two 1xx (103 with headers) before the final response',
    raw: `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n${ok('done')}`,
    expect: fine(1),
  },
  {
    name: 'HEAD: Content-Length without a body, twice',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n',
    noBody: true,
    expect: fine(2),
  },
  {
    name: 'HEAD: chunked without a body',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n',
    noBody: true,
    expect: fine(2, { non2xx: 1 }),
  },
  {
    // The same bytes as the HEAD case, read as a GET's answer: the reader waits for 13 bytes.
    name: 'not HEAD: the same head waits for its body',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n',
    expect: fine(0, { midResponse: true }),
  },
  {
    name: '204 has no body, whatever its headers say',
    raw: `HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n${ok('after')}`,
    expect: fine(2),
  },
  {
    name: '304 has no body and is non-2xx',
    raw: `HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n${ok('after')}`,
    expect: fine(2, { non2xx: 1 }),
  },

  // Connection management
  { name: 'Connection: close', raw: ok('bye', 'Connection: close\r\n'), expect: fine(1, { closing: true }) },
  {
    name: 'closing follows the last response',
    raw: ok('a', 'Connection: keep-alive\r\n') + ok('b', 'Connection: close\r\n'),
    expect: fine(2, { closing: true }),
  },
  { name: 'Connection: close among other tokens', raw: ok('x', 'Connection: Upgrade, Close\r\n'), expect: fine(1, { closing: true }) },
  { name: 'HTTP/1.0 closes by default', raw: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', expect: fine(1, { closing: true }) },
  {
    name: 'HTTP/1.0 with keep-alive stays open',
    raw: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nokHTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n',
    expect: fine(2),
  },

  // Header names and values in any case
  {
    name: 'lower-case header names',
    raw: 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok',
    expect: fine(1, { closing: true }),
  },
  {
    name: 'upper- and mixed-case header names and values',
    raw: `HTTP/1.1 200 OK\r\nTRANSFER-ENCODING: Chunked\r\n\r\n1\r\na\r\n0\r\n\r\nHTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:3\r\nCoNnEcTiOn:   CLOSE  \r\n\r\nabc`,
    expect: fine(2, { closing: true }),
  },
  {
    name: 'a header whose name only starts like a framing field changes nothing',
    raw: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length-X: 9\r\nConnectionx: close\r\nContent-Length: 1\r\n\r\nz',
    expect: fine(1),
  },

  // Bodies framed by the close
  {
    name: 'no Content-Length: the body runs until the server closes',
    raw: 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of this is body, even HTTP/1.1 200 OK\r\n\r\n',
    closeAfter: true,
    expect: fine(1, { closing: true }),
  },
  { name: 'HTTP/1.0 without Content-Length, ended by the close', raw: 'HTTP/1.0 200 OK\r\n\r\nbody', closeAfter: true, expect: fine(1, { closing: true }) },
  {
    // Until the close, a body framed by it is not complete (and a close would not cut it short).
    name: 'a body framed by the close, still open',
    raw: 'HTTP/1.1 200 OK\r\n\r\nsome body',
    expect: fine(0),
  },
  {
    name: 'a close in the middle of a Content-Length body completes nothing',
    raw: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf',
    closeAfter: true,
    expect: fine(0, { midResponse: true }),
  },

  // Unusable bytes
  { name: 'garbage', raw: 'garbage\r\n\r\n', expect: fine(0, { error: 'not an HTTP/1.x response' }) },
  { name: 'another protocol version', raw: 'HTTP/2.0 200 OK\r\n\r\n', expect: fine(0, { error: 'not an HTTP/1.x response' }) },
  { name: 'a status line too short', raw: 'HTTP/1.1 20\r\n\r\n', expect: fine(0, { error: 'not an HTTP/1.x response' }) },
  { name: 'a status that is not a number', raw: 'HTTP/1.1 abc OK\r\n\r\n', expect: fine(0, { error: 'bad status code' }) },
  { name: 'a response, then garbage', raw: `${ok('fine')}<html>oops</html>\r\n\r\n`, expect: fine(1, { error: 'not an HTTP/1.x response' }) },
  { name: 'a Content-Length that is not a number', raw: 'HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n', expect: fine(0, { error: 'bad Content-Length' }) },
  { name: 'a negative Content-Length', raw: 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', expect: fine(0, { error: 'bad Content-Length' }) },
  // RFC 9110 §8.6: 1*DIGIT. Number() took these (0, 16, 1000); a body framed by them is guessed.
  { name: 'an empty Content-Length', raw: 'HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n', expect: fine(0, { error: 'bad Content-Length' }) },
  { name: 'a hexadecimal Content-Length', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n', expect: fine(0, { error: 'bad Content-Length' }) },
  { name: 'a Content-Length in exponent form', raw: 'HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n', expect: fine(0, { error: 'bad Content-Length' }) },
  { name: 'a Content-Length with whitespace around it', raw: 'HTTP/1.1 200 OK\r\nContent-Length: \t3 \r\n\r\nabc', expect: fine(1) },
  {
    name: 'a chunk size that is not hex',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    expect: fine(0, { error: 'bad chunk size' }),
  },
  {
    name: 'a chunk size too large to be real',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n',
    expect: fine(0, { error: 'chunk size too large' }),
  },
  {
    name: 'a head that never ends',
    raw: `HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(70 * 1024)}`,
    large: true,
    expect: fine(0, { error: 'response head over 64 KiB' }),
  },
];

/** Bytes a read buffer held before: framing that a reader peeking past `end` would trip on. */
const STALE = Buffer.from('\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n0\r\n\r\n', 'latin1');
/** Where each piece starts in the read buffer, so a reader that assumes offset 0 is caught. */
const OFFSET = 5;

function fillStale(buf: Buffer): void {
  for (let i = 0; i < buf.length; i += STALE.length) STALE.copy(buf, i);
}

/**
 * Feeds `raw` cut at `cuts` as the engine does: each piece copied into one reused read buffer
 * (at an offset, with stale bytes after it), which is overwritten once feed() returns. Stops at
 * an error, as the engine drops the connection.
 */
function feedCut(c: ReaderCase, raw: Buffer, cuts: readonly number[]): Outcome {
  const reader = new ResponseReader(c.noBody ?? false);
  const readBuffer = Buffer.alloc(OFFSET + raw.length + STALE.length);
  let completed = 0;
  let from = 0;
  for (const to of [...cuts, raw.length]) {
    fillStale(readBuffer);
    raw.copy(readBuffer, OFFSET, from, to);
    completed += reader.feed(readBuffer, OFFSET, OFFSET + to - from);
    from = to;
    if (reader.error !== null) break;
  }
  fillStale(readBuffer);
  const midResponse = reader.midResponse;
  if (c.closeAfter === true && reader.error === null) completed += reader.end();
  return { completed, non2xx: reader.non2xx, closing: reader.closing, error: reader.error, midResponse };
}

describe('response reader: a table of responses, fed whole and cut anywhere', () => {
  it('covers every reason the reader gives up', () => {
    const reasons = new Set(cases.map((c) => c.expect.error));
    for (const why of [
      'not an HTTP/1.x response',
      'bad status code',
      'bad Content-Length',
      'bad chunk size',
      'chunk size too large',
      'response head over 64 KiB',
    ]) {
      expect(reasons).toContain(why);
    }
  });

  for (const c of cases) {
    describe(c.name, () => {
      const raw = Buffer.from(c.raw, 'latin1');

      it('fed whole', () => {
        expect(feedCut(c, raw, [])).toEqual(c.expect);
      });

      it.skipIf(c.large === true)('fed one byte at a time', () => {
        expect(
          feedCut(
            c,
            raw,
            Array.from({ length: raw.length - 1 }, (_, i) => i + 1),
          ),
        ).toEqual(c.expect);
      });

      it.skipIf(c.large === true)('split in two at every boundary', () => {
        for (let at = 1; at < raw.length; at++) {
          const got = feedCut(c, raw, [at]);
          if (JSON.stringify(got) !== JSON.stringify(c.expect)) expect.fail(`split at ${at}: ${JSON.stringify(got)}`);
        }
      });

      it('split at random points', () => {
        const random = seededRandom(raw.length);
        for (let i = 0; i < 20; i++) {
          const pieces = 2 + Math.floor(random() * 8);
          const cuts = [...new Set(Array.from({ length: pieces - 1 }, () => 1 + Math.floor(random() * (raw.length - 1))))].sort((a, b) => a - b);
          expect(feedCut(c, raw, cuts), `cuts ${cuts.join(',')}`).toEqual(c.expect);
        }
      });
    });
  }
});

describe('response reader across reads', () => {
  it('counts each response in the read that completes it', () => {
    const reader = new ResponseReader();
    const a = Buffer.from(ok('first'), 'latin1');
    const b = Buffer.from(ok('second'), 'latin1');
    // The first read ends one byte short of the first body; the second finishes it and holds all of the next.
    expect(reader.feed(a, 0, a.length - 1)).toBe(0);
    expect(reader.feed(Buffer.concat([a.subarray(a.length - 1), b]), 0, 1 + b.length)).toBe(2);
    expect(reader.midResponse).toBe(false);
  });
});
