import { describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../shared/random.js';
import { HeadScanner } from './head-scanner.js';
import { PARSE_ERRORS, type ParseErrorCode } from './parse-error.js';
import { cases } from './parser.cases.js';
import { RequestParser } from './parser.js';
import { everyByte, feedSplit, randomCuts } from './test-support/feed.js';

describe('request parser, table of RFC 9112 / 9110 cases', () => {
  it('has at least 80 cases, each naming its RFC section', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    for (const c of cases) expect(c.rfc).toMatch(/\d|RFC/);
  });

  it('refuses input by every rule of the parser in at least one case', () => {
    // Only 'destroyed' comes from the connection rather than from the input.
    const expected = new Set(cases.flatMap((c) => c.expect.flatMap((e) => ('code' in e ? [e.code] : []))));
    const untested = Object.keys(PARSE_ERRORS).filter((code) => code !== 'destroyed' && !expected.has(code as ParseErrorCode));
    expect(untested).toEqual([]);
  });

  for (const c of cases) {
    describe(`${c.rfc}: ${c.name}`, () => {
      const raw = Buffer.from(c.raw, 'latin1');
      const options = c.methods === undefined ? {} : { methods: new Set(c.methods) };
      const whole = feedSplit(raw, [], c.limits, options);

      it('fed whole', () => {
        expect(whole.events).toHaveLength(c.expect.length);
        for (const [i, want] of c.expect.entries()) expect(whole.events[i]).toMatchObject(want);
        expect(whole.incomplete).toBe(c.incomplete ?? false);
      });

      it('fed whole to the resumable scanner alone', () => {
        expect(feedSplit(raw, [], c.limits, { ...options, fastPath: false })).toEqual(whole);
      });

      it('fed one byte at a time', () => {
        expect(withoutContinues(feedSplit(raw, everyByte(raw.length), c.limits, options))).toEqual(withoutContinues(whole));
      });

      it('split in two at every boundary', () => {
        for (let at = 1; at < raw.length; at++) {
          const got = feedSplit(raw, [at], c.limits, options);
          if (JSON.stringify(withoutContinues(got)) !== JSON.stringify(withoutContinues(whole))) {
            expect.fail(`split at ${at} differs: ${JSON.stringify(got.events)} vs ${JSON.stringify(whole.events)}`);
          }
        }
      });

      it('split at random points', () => {
        const random = seededRandom(raw.length);
        for (let i = 0; i < 20; i++) {
          const cuts = randomCuts(raw.length, 2 + Math.floor(random() * 8), random);
          expect(withoutContinues(feedSplit(raw, cuts, c.limits, options)), `cuts ${cuts.join(',')}`).toEqual(withoutContinues(whole));
        }
      });
    });
  }
});

describe('framing fields are recognized by every byte of their names and values, in any case', () => {
  /** Parses raw whole and returns the first event as data. */
  const first = (raw: string) => feedSplit(Buffer.from(raw, 'latin1'), []).events[0];
  /** word with byte i replaced by another letter (or "x" for "-" and digits). */
  const offByOne = (word: string, i: number) => word.slice(0, i) + (/[a-z]/.test(word[i]!) ? (word[i] === 'q' ? 'z' : 'q') : 'x') + word.slice(i + 1);
  const upper = (word: string, i: number) => word.slice(0, i) + word[i]!.toUpperCase() + word.slice(i + 1);

  const names: Array<[string, (name: string) => string, unknown, unknown]> = [
    // [name, request using it, outcome when it is recognized, outcome when it is not]
    ['host', (n) => `GET / HTTP/1.1\r\n${n}: a\r\n\r\n`, { method: 'GET' }, { error: 400 }],
    ['content-length', (n) => `POST / HTTP/1.1\r\nHost: a\r\n${n}: 2\r\n\r\nhi`, { body: 'hi' }, { body: '' }],
    ['transfer-encoding', (n) => `POST / HTTP/1.1\r\nHost: a\r\n${n}: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n`, { body: 'hi' }, { body: '' }],
    ['connection', (n) => `GET / HTTP/1.1\r\nHost: a\r\n${n}: close\r\n\r\n`, { keepAlive: false }, { keepAlive: true }],
    ['expect', (n) => `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n${n}: 100-continue\r\n\r\nhi`, { expectContinue: true }, { expectContinue: false }],
  ];
  const values: Array<[string, (value: string) => string, unknown, unknown]> = [
    ['keep-alive', (v) => `GET / HTTP/1.0\r\nConnection: ${v}\r\n\r\n`, { keepAlive: true }, { keepAlive: false }],
    ['close', (v) => `GET / HTTP/1.1\r\nHost: a\r\nConnection: ${v}\r\n\r\n`, { keepAlive: false }, { keepAlive: true }],
    ['chunked', (v) => `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ${v}\r\n\r\n2\r\nhi\r\n0\r\n\r\n`, { body: 'hi' }, { error: 400 }],
    ['100-continue', (v) => `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: ${v}\r\n\r\nhi`, { expectContinue: true }, { error: 417 }],
  ];
  for (const [word, request, recognized, ignored] of [...names, ...values]) {
    it(word, () => {
      expect(first(request(word))).toMatchObject(recognized as object);
      for (let i = 0; i < word.length; i++) {
        expect(first(request(upper(word, i))), `${upper(word, i)}`).toMatchObject(recognized as object);
        expect(first(request(offByOne(word, i))), `${offByOne(word, i)}`).toMatchObject(ignored as object);
      }
    });
  }
});

describe('request parser API', () => {
  it('reads a head that arrives whole in one pass, without the resumable scanner', () => {
    // Only a speed matter (the resumable scanner gives the same answers), but a silent fall back
    // to it would cost a third of the parser's speed, so it is pinned here.
    const scanResumable = vi.spyOn(HeadScanner.prototype as unknown as { scanResumable: () => number }, 'scanResumable');
    try {
      const p = new RequestParser();
      const heads = [
        'GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n',
        'GET /a?b=c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n',
        'POST /echo HTTP/1.1\r\nHost: localhost:8080\r\nContent-Length: 2\r\nX-Empty:\r\nX-Tabs:\t v \t\r\n\r\nhi',
        'POST /echo HTTP/1.1\r\nhost: [::1]:80\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
      ];
      p.feed(Buffer.from(heads.join('')));
      const got = [];
      for (let ev = p.next(); ev.kind !== 'need-more'; ev = p.next()) got.push(ev.kind);
      expect(got).toEqual(['request', 'request', 'request', 'request']);
      expect(scanResumable).not.toHaveBeenCalled();
      // and a head cut in two is the resumable scanner's
      p.feed(Buffer.from('GET / HTTP/1.1\r\nHo'));
      expect(p.next().kind).toBe('need-more');
      expect(scanResumable).toHaveBeenCalled();
    } finally {
      scanResumable.mockRestore();
    }
  });

  it('finds header fields on first use, and refuses a field line it does not have', () => {
    const p = new RequestParser();
    p.feed(Buffer.from(`GET / HTTP/1.1\r\nHost: a \r\nX-Long: ${'v'.repeat(100)}\r\nX-Empty: \r\n\r\n`));
    const r = p.next();
    if (r.kind !== 'request') throw new Error(`expected a request, got ${r.kind}`);
    expect(r.headers.count).toBe(3);
    expect(r.headers.name(1)).toBe('X-Long');
    expect(r.headers.value(1)).toBe('v'.repeat(100));
    expect(r.headers.entries()).toEqual([
      ['Host', 'a'],
      ['X-Long', 'v'.repeat(100)],
      ['X-Empty', ''],
    ]);
    expect(() => r.headers.name(3)).toThrow(RangeError);
    expect(() => r.headers.value(-1)).toThrow(RangeError);
  });

  it('looks headers up by lower-case name and joins repeated fields', () => {
    const p = new RequestParser();
    p.feed(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nAccept: x\r\nACCEPT: y\r\n\r\n'));
    const r = p.next();
    if (r.kind !== 'request') throw new Error(`expected a request, got ${r.kind}`);
    expect(r.headers.get('host')).toBe('a');
    expect(r.headers.get('accept')).toBe('x, y');
    expect(r.headers.get('missing')).toBeUndefined();
    expect(r.headers.count).toBe(3);
  });

  it('answers continue before the body of an Expect: 100-continue request arrives', () => {
    const p = new RequestParser();
    p.feed(Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n'));
    expect(p.next().kind).toBe('continue');
    expect(p.next().kind).toBe('need-more');
    p.feed(Buffer.from('hi'));
    const r = p.next();
    expect(r.kind === 'request' && r.body.toString()).toBe('hi');
  });

  it('keeps a body that arrives with its head as a view of the input, not a copy', () => {
    const input = Buffer.from('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello');
    const p = new RequestParser();
    p.feed(input);
    const r = p.next();
    if (r.kind !== 'request') throw new Error(`expected a request, got ${r.kind}`);
    expect(r.body.buffer).toBe(input.buffer);
  });

  it('stays failed after an error and refuses to parse the bytes that follow', () => {
    const p = new RequestParser();
    p.feed(Buffer.from('GET / HTTP/9.9\r\nHost: a\r\n\r\n'));
    expect(p.next()).toMatchObject({ kind: 'error', status: 505 });
    expect(p.failed).toBe(true);
    expect(p.next()).toMatchObject({ kind: 'error', status: 505 });
  });

  it('refuses a feed before the previous chunk was drained', () => {
    const p = new RequestParser();
    p.feed(Buffer.from('GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n'));
    expect(p.next().kind).toBe('request');
    expect(() => p.feed(Buffer.from('x'))).toThrow(/next\(\)/);
  });

  it('tells a request head in progress from an idle connection', () => {
    const p = new RequestParser();
    expect(p.inRequest).toBe(false);
    p.feed(Buffer.from('GET / HT'));
    expect(p.next().kind).toBe('need-more');
    expect(p.inHead).toBe(true);
    p.feed(Buffer.from('TP/1.1\r\nHost: a\r\n\r\n'));
    expect(p.next().kind).toBe('request');
    expect(p.next().kind).toBe('need-more');
    expect(p.inRequest).toBe(false);
  });
});

function withoutContinues(r: ReturnType<typeof feedSplit>) {
  return { events: r.events, incomplete: r.incomplete };
}

describe('a chunked body line past its limit gets one verdict however it is cut', () => {
  // The grammar is judged on no more bytes than the limit lets a line have: a fault beyond it is
  // not read, whole or cut, and the line is too long either way.
  const head = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n';
  for (const [what, body, limits, code] of [
    ['a chunk extension faulty past the limit', `5;${'a'.repeat(60)};;\r\nhello\r\n0\r\n\r\n`, { maxChunkExtensionBytes: 8 }, 'chunk-line-too-long'],
    ['a stray CR just past the limit', `5;${'a'.repeat(39)}\rb\r\nhello\r\n0\r\n\r\n`, { maxChunkExtensionBytes: 8 }, 'chunk-line-too-long'],
    ['a chunk extension faulty within the limit', `5;a;;${'a'.repeat(60)}\r\nhello\r\n0\r\n\r\n`, { maxChunkExtensionBytes: 8 }, 'chunk-extension-invalid'],
    ['a trailer field faulty past the limit', `0\r\nX-T: ${'v'.repeat(60)}\x01\r\n\r\n`, { maxHeaderBytes: 40 }, 'trailer-section-too-large'],
  ] as const) {
    it(what, () => {
      const raw = Buffer.from(head + body, 'latin1');
      const whole = feedSplit(raw, [], limits);
      const last = whole.events.at(-1);
      expect(last !== undefined && 'code' in last ? last.code : undefined).toBe(code);
      expect(feedSplit(raw, everyByte(raw.length), limits).events).toEqual(whole.events);
      const random = seededRandom(7);
      for (let i = 0; i < 50; i++) expect(feedSplit(raw, randomCuts(raw.length, 4, random), limits).events).toEqual(whole.events);
    });
  }
});
