import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { everyByte, feedSplit } from './test-support/feed.js';

/** X-CUSTOM is implemented beside the standard methods, as an app's own method would be. */
const CUSTOM = { methods: new Set(['X-CUSTOM']) };

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const fieldValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
const path = fc.stringMatching(/^\/[A-Za-z0-9._~%!$&'()*+,;=:@/?-]{0,40}$/);
const body = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1'));

/** Framing headers are chosen by the generator, so the random ones must not collide with them. */
const reserved = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'expect']);
const extraHeader = fc.tuple(token, fieldValue).filter(([n]) => !reserved.has(n.toLowerCase()));

/** A valid request and what the parser must make of it. */
const validRequest = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'X-CUSTOM'),
    path,
    headers: fc.array(extraHeader, { maxLength: 8 }),
    body,
    chunkSizes: fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 6 }),
    framing: fc.constantFrom('none', 'length', 'chunked'),
  })
  .map(({ method, path, headers, body, chunkSizes, framing }) => {
    const sent = framing === 'none' ? '' : body;
    let head = `${method} ${path} HTTP/1.1\r\nHost: example.com\r\n`;
    for (const [n, v] of headers) head += `${n}: ${v}\r\n`;
    let payload = '';
    if (framing === 'length') {
      head += `Content-Length: ${sent.length}\r\n`;
      payload = sent;
    } else if (framing === 'chunked') {
      head += 'Transfer-Encoding: chunked\r\n';
      let rest = sent;
      let i = 0;
      while (rest.length > 0) {
        const n = Math.min(rest.length, chunkSizes[i++ % Math.max(1, chunkSizes.length)] ?? 16);
        payload += `${n.toString(16)}\r\n${rest.slice(0, n)}\r\n`;
        rest = rest.slice(n);
      }
      payload += '0\r\n\r\n';
    }
    return { raw: Buffer.from(`${head}\r\n${payload}`, 'latin1'), method, path, body: sent };
  });

describe('request parser properties', () => {
  it('random bytes never throw or hang, and end in a request, an error or a wait for more', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, rawCuts) => {
        const raw = Buffer.from(bytes);
        const cuts = [...new Set(rawCuts.map((c) => (raw.length > 1 ? 1 + (c % (raw.length - 1)) : 0)))].filter((c) => c > 0).sort((a, b) => a - b);
        const result = feedSplit(raw, cuts, undefined, CUSTOM);
        const last = result.events.at(-1);
        const endedInError = last !== undefined && 'error' in last;
        expect(endedInError || result.events.length > 0 || result.incomplete || raw.length === 0 || isOnlyEmptyLine(raw)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated valid requests never throw or hang', () => {
    fc.assert(
      fc.property(
        validRequest,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('replace', 'insert', 'delete')), { minLength: 1, maxLength: 4 }),
        (req, mutations) => {
          const bytes = [...req.raw];
          for (const [at, byte, op] of mutations) {
            const i = at % (bytes.length + 1);
            if (op === 'replace' && i < bytes.length) bytes[i] = byte;
            else if (op === 'insert') bytes.splice(i, 0, byte);
            else bytes.splice(i, 1);
          }
          const raw = Buffer.from(bytes);
          const whole = feedSplit(raw, [], undefined, CUSTOM);
          expect(feedSplit(raw, [], undefined, { ...CUSTOM, fastPath: false })).toEqual(whole);
          expect(feedSplit(raw, everyByte(raw.length), undefined, CUSTOM).events).toEqual(whole.events);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('a valid request parses the same whole and split at random points', () => {
    fc.assert(
      fc.property(validRequest, fc.array(fc.nat(), { maxLength: 10 }), (req, rawCuts) => {
        const whole = feedSplit(req.raw, [], undefined, CUSTOM);
        expect(whole.events).toHaveLength(1);
        expect(whole.events[0]).toMatchObject({ method: req.method, target: req.path, body: req.body });
        const cuts = [...new Set(rawCuts.map((c) => 1 + (c % (req.raw.length - 1))))].sort((a, b) => a - b);
        expect(feedSplit(req.raw, cuts, undefined, CUSTOM).events).toEqual(whole.events);
      }),
      { numRuns: 1000 },
    );
  });

  // A head that arrives whole is read by a one-pass scanner, one that arrives in pieces by the
  // resumable one; near a limit the two must still agree on where the answer changes. Each is
  // also compared with the resumable scanner alone (fastPath: false) on the same whole input.
  it('near small limits, a request gets the same answer whole as one byte at a time', () => {
    fc.assert(
      fc.property(
        validRequest,
        fc.record({
          maxRequestLineBytes: fc.integer({ min: 8, max: 80 }),
          maxHeaderBytes: fc.integer({ min: 8, max: 200 }),
          maxHeaderCount: fc.integer({ min: 1, max: 10 }),
        }),
        (req, limits) => {
          const whole = feedSplit(req.raw, [], limits, CUSTOM);
          expect(whole.events).toHaveLength(1);
          expect(feedSplit(req.raw, [], limits, { ...CUSTOM, fastPath: false })).toEqual(whole);
          expect(feedSplit(req.raw, everyByte(req.raw.length), limits, CUSTOM).events).toEqual(whole.events);
        },
      ),
      { numRuns: 1000 },
    );
  });

  // Floods of the bytes the early refusals read (method letters, version bytes, Content-Length
  // digits, chunk-size and trailer lines) near tiny limits: whether a head or line reaches a limit
  // in one chunk or suspends earlier in pieces, it gets one answer.
  it('floods near tiny limits get the same answer whole, through the resumable scanner alone, and one byte at a time', () => {
    const piece = fc.constantFrom(
      'G',
      'E',
      'T',
      'X',
      ' ',
      '/',
      'HTTP/1.',
      '1',
      '5',
      '\r\n',
      '\r',
      '\n',
      'Host: a',
      'Content-Length: ',
      '9',
      'x',
      ';',
      '=',
      'Transfer-Encoding: chunked',
      '0',
      'a',
    );
    const flood = fc.array(fc.tuple(piece, fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        flood,
        fc.record({
          maxRequestLineBytes: fc.integer({ min: 4, max: 40 }),
          maxHeaderBytes: fc.integer({ min: 4, max: 80 }),
          maxChunkExtensionBytes: fc.integer({ min: 1, max: 40 }),
          maxBodyBytes: fc.integer({ min: 1, max: 1000 }),
        }),
        (parts, limits) => {
          const raw = Buffer.from(parts.map(([p, n]) => p.repeat(n)).join(''), 'latin1');
          const whole = feedSplit(raw, [], limits, CUSTOM);
          expect(feedSplit(raw, [], limits, { ...CUSTOM, fastPath: false })).toEqual(whole);
          expect(feedSplit(raw, everyByte(raw.length), limits, CUSTOM).events).toEqual(whole.events);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('pipelined valid requests come out in order, however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.array(validRequest, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 12 }), (reqs, rawCuts) => {
        const raw = Buffer.concat(reqs.map((r) => r.raw));
        const cuts = [...new Set(rawCuts.map((c) => 1 + (c % (raw.length - 1))))].sort((a, b) => a - b);
        const got = feedSplit(raw, cuts, undefined, CUSTOM);
        expect(got.incomplete).toBe(false);
        expect(got.events.map((e) => ('target' in e ? [e.method, e.target, e.body] : e))).toEqual(reqs.map((r) => [r.method, r.path, r.body]));
      }),
      { numRuns: 500 },
    );
  });
});

function isOnlyEmptyLine(raw: Buffer): boolean {
  return raw.toString('latin1') === '\r\n';
}
