// Parser behaviour as data: raw request bytes (latin1) and what must come out of them.
// Each case names the RFC section it checks. parser.test.ts feeds every case whole, one byte at a
// time, split in two at every boundary, and at random splits, and expects the same result each way.

import type { ParserLimits } from './limits.js';
import type { ParseErrorCode } from './parse-error.js';

/** What one parsed request must match (fields left out are not checked). */
export interface ExpectedRequest {
  method?: string;
  target?: string;
  version?: 'HTTP/1.0' | 'HTTP/1.1';
  headers?: Array<[string, string]>;
  body?: string;
  keepAlive?: boolean;
  expectContinue?: boolean;
}

/** One row of the table. */
export interface ParserCase {
  name: string;
  rfc: string;
  raw: string;
  limits?: Partial<ParserLimits>;
  /** Requests in order; `error` ends the list. */
  expect: Array<ExpectedRequest | { error: number; code: ParseErrorCode }>;
  /** The input ends in the middle of a request (default false). */
  incomplete?: boolean;
  /** Methods implemented beside the standard ones. */
  methods?: string[];
}

const H = 'Host: a\r\n';
const get = (target = '/') => `GET ${target} HTTP/1.1\r\n${H}\r\n`;
const post = (headers: string, body: string) => `POST /echo HTTP/1.1\r\n${H}${headers}\r\n${body}`;
const ok = (r: ExpectedRequest = {}): ExpectedRequest => r;
/** The request is refused with this status, by the rule `code` names. */
const err = (status: number, code: ParseErrorCode) => ({ error: status, code });
const chunked = (body: string) => post('Transfer-Encoding: chunked\r\n', body);

export const cases: ParserCase[] = [
  // --- request line: RFC 9112 §3 ---------------------------------------------------------------
  {
    name: 'minimal GET',
    rfc: '9112 §3',
    raw: get(),
    expect: [ok({ method: 'GET', target: '/', version: 'HTTP/1.1', headers: [['Host', 'a']], body: '', keepAlive: true })],
  },
  { name: 'HTTP/1.0 without Host closes by default', rfc: '9112 §9.3', raw: 'GET / HTTP/1.0\r\n\r\n', expect: [ok({ version: 'HTTP/1.0', keepAlive: false })] },
  { name: 'HTTP/1.0 asking for keep-alive', rfc: '9112 §9.3', raw: 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', expect: [ok({ keepAlive: true })] },
  // RFC 9110 §9.1: a method the server does not implement is 501, before any route is looked up.
  { name: 'methods are case-sensitive: get is not GET', rfc: '9110 §9.1', raw: `get / HTTP/1.1\r\n${H}\r\n`, expect: [err(501, 'method-not-implemented')] },
  {
    name: 'a method no one implements (llhttp: not a method)',
    rfc: '9110 §9.1',
    raw: `MKCOLA / HTTP/1.1\r\n${H}\r\n`,
    expect: [err(501, 'method-not-implemented')],
  },
  {
    name: 'an RTSP method on HTTP/1.0 (llhttp: RTSP only)',
    rfc: '9110 §9.1',
    raw: 'ANNOUNCE /x HTTP/1.0\r\n\r\n',
    expect: [err(501, 'method-not-implemented')],
  },
  {
    name: 'an extension method is 501 unless implemented',
    rfc: '9110 §9.1',
    raw: `PURGE /x HTTP/1.1\r\n${H}\r\n`,
    expect: [err(501, 'method-not-implemented')],
  },
  {
    name: 'an extension method the server implements (an app route)',
    rfc: '9110 §9.1',
    raw: `PURGE /x HTTP/1.1\r\n${H}\r\n`,
    methods: ['PURGE'],
    expect: [ok({ method: 'PURGE', target: '/x' })],
  },
  {
    name: 'every standard method is implemented',
    rfc: '9110 §9',
    raw: `TRACE / HTTP/1.1\r\n${H}\r\nPATCH / HTTP/1.1\r\n${H}\r\n`,
    expect: [ok({ method: 'TRACE' }), ok({ method: 'PATCH' })],
  },
  {
    name: 'an unimplemented method is refused before the rest of its line arrives',
    rfc: '9110 §9.1',
    raw: 'ANNOUNCE /x HT',

    expect: [err(501, 'method-not-implemented')],
  },
  { name: 'a method alone on its line', rfc: '9112 §3', raw: `GET\r\n${H}\r\n`, expect: [err(400, 'request-line-incomplete')] },
  {
    name: 'a method that can no longer be one the server implements',
    rfc: '9110 §9.1',
    raw: 'XY(Z / HTTP/1.1\r\n\r\n',
    expect: [err(501, 'method-not-implemented')],
  },
  { name: 'a method cut before it can be told', rfc: '9110 §9.1', raw: 'GE', incomplete: true, expect: [] },
  { name: 'method with a non-token byte', rfc: '9112 §3.1', raw: `GE(T / HTTP/1.1\r\n${H}\r\n`, expect: [err(400, 'method-char')] },
  { name: 'empty method', rfc: '9112 §3.1', raw: ` / HTTP/1.1\r\n${H}\r\n`, expect: [err(400, 'method-empty')] },
  { name: 'two spaces after method', rfc: '9112 §3', raw: `GET  / HTTP/1.1\r\n${H}\r\n`, expect: [err(400, 'target-empty')] },
  { name: 'two spaces before version', rfc: '9112 §3', raw: `GET /  HTTP/1.1\r\n${H}\r\n`, expect: [err(400, 'version-invalid')] },
  { name: 'space after version', rfc: '9112 §3', raw: `GET / HTTP/1.1 \r\n${H}\r\n`, expect: [err(400, 'version-invalid')] },
  { name: 'HTAB as separator', rfc: '9112 §3', raw: `GET\t/ HTTP/1.1\r\n${H}\r\n`, expect: [err(400, 'method-char')] },
  { name: 'control byte in target', rfc: '9112 §3.2', raw: `GET /a\x01b HTTP/1.1\r\n${H}\r\n`, expect: [err(400, 'target-char')] },
  { name: 'DEL in target', rfc: '9112 §3.2', raw: `GET /a\x7fb HTTP/1.1\r\n${H}\r\n`, expect: [err(400, 'target-char')] },
  { name: 'no HTTP version (HTTP/0.9 form)', rfc: '9112 §3', raw: 'GET /\r\n\r\n', expect: [err(400, 'version-missing')] },
  { name: 'HTTP/2.0 on an HTTP/1 connection', rfc: '9110 §15.6.6', raw: `GET / HTTP/2.0\r\n${H}\r\n`, expect: [err(505, 'version-unsupported')] },
  { name: 'HTTP/1.2', rfc: '9110 §15.6.6', raw: `GET / HTTP/1.2\r\n${H}\r\n`, expect: [err(505, 'version-unsupported')] },
  {
    name: 'an unsupported version is refused before the line ends',
    rfc: '9110 §15.6.6',
    raw: 'GET / HTTP/5.6',

    expect: [err(505, 'version-unsupported')],
  },
  { name: 'a version that cannot be one, before the line ends', rfc: '9112 §2.3', raw: 'GET / HTTX', expect: [err(400, 'version-invalid')] },
  {
    name: 'an unsupported major version, whatever follows it',
    rfc: '9110 §15.6.6',
    raw: `GET / HTTP/2x\r\n${H}\r\n`,
    expect: [err(505, 'version-unsupported')],
  },
  { name: 'HTTP/0.9 with a version', rfc: '9110 §15.6.6', raw: `GET / HTTP/0.9\r\n${H}\r\n`, expect: [err(505, 'version-unsupported')] },
  { name: 'HTTP-name is case-sensitive', rfc: '9112 §2.3', raw: `GET / http/1.1\r\n${H}\r\n`, expect: [err(400, 'version-invalid')] },
  { name: 'two-digit minor version', rfc: '9112 §2.3', raw: `GET / HTTP/1.10\r\n${H}\r\n`, expect: [err(400, 'version-invalid')] },
  { name: 'version without minor', rfc: '9112 §2.3', raw: `GET / HTTP/1\r\n${H}\r\n`, expect: [err(400, 'version-invalid')] },
  {
    name: 'absolute-form target',
    rfc: '9112 §3.2.2',
    raw: `GET http://example.com/x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n`,
    expect: [ok({ target: 'http://example.com/x?y=1' })],
  },
  { name: 'asterisk-form for OPTIONS', rfc: '9112 §3.2.4', raw: `OPTIONS * HTTP/1.1\r\n${H}\r\n`, expect: [ok({ method: 'OPTIONS', target: '*' })] },
  { name: 'asterisk-form for GET', rfc: '9112 §3.2.4', raw: `GET * HTTP/1.1\r\n${H}\r\n`, expect: [err(400, 'asterisk-not-options')] },
  {
    name: 'authority-form CONNECT is not implemented',
    rfc: '9112 §3.2.3',
    raw: `CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n`,
    expect: [err(501, 'connect-unsupported')],
  },
  { name: 'target in no known form', rfc: '9112 §3.2', raw: `GET foo HTTP/1.1\r\n${H}\r\n`, expect: [err(400, 'target-form')] },
  { name: 'an absolute URI without an authority', rfc: '9112 §3.2.2', raw: 'GET a:b HTTP/1.0\r\n\r\n', expect: [err(400, 'target-form')] },
  {
    name: 'absolute-form with a byte no authority holds',
    rfc: '9112 §3.2.2, 3986 §3.2',
    raw: `GET p://{ HTTP/1.1\r\n${H}\r\n`,
    expect: [err(400, 'target-form')],
  },
  { name: 'absolute-form with an empty authority', rfc: '9112 §3.2.2', raw: `GET http:///x HTTP/1.1\r\n${H}\r\n`, expect: [err(400, 'target-form')] },
  {
    name: 'absolute-form with userinfo, a port and a query, no path',
    rfc: '9112 §3.2.2',
    raw: `GET http://u@example.com:8080?q HTTP/1.1\r\n${H}\r\n`,
    expect: [ok({ target: 'http://u@example.com:8080?q' })],
  },
  { name: 'one leading empty line is ignored', rfc: '9112 §2.2', raw: `\r\n${get('/after-crlf')}`, expect: [ok({ target: '/after-crlf' })] },
  { name: 'two leading empty lines', rfc: '9112 §2.2', raw: `\r\n\r\n${get()}`, expect: [err(400, 'empty-lines-before-request')] },
  {
    name: 'a raw byte over 0x7f in the target (not percent-encoded)',
    rfc: '9112 §3.2, 3986 §2',
    raw: `GET /caf\xe9 HTTP/1.1\r\n${H}\r\n`,
    expect: [err(400, 'target-char')],
  },
  {
    name: 'raw UTF-8 in the target',
    rfc: '9112 §3.2, 3986 §2',
    raw: `GET /\xce\xb4\xc2\xb6/\xce\xb4t/pope?q=1 HTTP/1.1\r\n${H}\r\n`,
    expect: [err(400, 'target-char')],
  },
  { name: 'a percent-encoded target is kept as sent', rfc: '9112 §3.2', raw: `GET /caf%C3%A9 HTTP/1.1\r\n${H}\r\n`, expect: [ok({ target: '/caf%C3%A9' })] },
  {
    name: 'request line at the limit',
    rfc: '9112 §3',
    limits: { maxRequestLineBytes: 32 },
    raw: `GET /${'a'.repeat(18)} HTTP/1.1\r\n${H}\r\n`,
    expect: [ok({ target: `/${'a'.repeat(18)}` })],
  },
  {
    name: 'request line over the limit',
    rfc: '9112 §3 / 9110 §15.5.15',
    limits: { maxRequestLineBytes: 32 },
    raw: `GET /${'a'.repeat(19)} HTTP/1.1\r\n${H}\r\n`,
    expect: [err(414, 'request-line-too-long')],
  },
  {
    name: 'request line over the default 8 KiB',
    rfc: '9110 §15.5.15',
    raw: `GET /${'a'.repeat(8192)} HTTP/1.1\r\n${H}\r\n`,
    expect: [err(414, 'request-line-too-long')],
  },
  {
    name: 'endless request line is refused before its end',
    rfc: '9110 §15.5.15',
    limits: { maxRequestLineBytes: 32 },
    raw: `GET /${'a'.repeat(64)}`,
    expect: [err(414, 'request-line-too-long')],
  },

  // --- line endings: RFC 9112 §2.2 -------------------------------------------------------------
  { name: 'bare LF line endings', rfc: '9112 §2.2', raw: 'GET / HTTP/1.1\nHost: a\n\n', expect: [err(400, 'bare-lf')] },
  { name: 'bare LF ending one header', rfc: '9112 §2.2', raw: 'GET / HTTP/1.1\r\nHost: a\nX: y\r\n\r\n', expect: [err(400, 'bare-lf')] },
  { name: 'bare LF as the final empty line', rfc: '9112 §2.2', raw: 'GET / HTTP/1.1\r\nHost: a\r\n\n', expect: [err(400, 'bare-lf')] },
  { name: 'bare CR in the request line', rfc: '9112 §2.2', raw: `GET / HTTP/1.1\rX\r\n${H}\r\n`, expect: [err(400, 'bare-cr')] },
  { name: 'bare CR in a header value', rfc: '9112 §2.2', raw: `GET / HTTP/1.1\r\n${H}X: a\rb\r\n\r\n`, expect: [err(400, 'bare-cr')] },
  { name: 'bare CR as a line ending', rfc: '9112 §2.2', raw: `GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n`, expect: [err(400, 'bare-cr')] },

  // --- header fields: RFC 9112 §5, RFC 9110 §5 -------------------------------------------------
  {
    name: 'OWS around a value is trimmed',
    rfc: '9112 §5.1',
    raw: `GET / HTTP/1.1\r\nHost: a\r\nX-A: \t value with  spaces \t \r\n\r\n`,
    expect: [
      ok({
        headers: [
          ['Host', 'a'],
          ['X-A', 'value with  spaces'],
        ],
      }),
    ],
  },
  {
    name: 'empty value',
    rfc: '9110 §5.5',
    raw: `GET / HTTP/1.1\r\n${H}X-Empty:\r\n\r\n`,
    expect: [
      ok({
        headers: [
          ['Host', 'a'],
          ['X-Empty', ''],
        ],
      }),
    ],
  },
  {
    name: 'value of whitespace only',
    rfc: '9110 §5.5',
    raw: `GET / HTTP/1.1\r\n${H}X-Empty:   \r\n\r\n`,
    expect: [
      ok({
        headers: [
          ['Host', 'a'],
          ['X-Empty', ''],
        ],
      }),
    ],
  },
  {
    name: 'duplicate fields are kept in order',
    rfc: '9110 §5.3',
    raw: `GET / HTTP/1.1\r\n${H}Accept: a\r\nAccept: b\r\n\r\n`,
    expect: [
      ok({
        headers: [
          ['Host', 'a'],
          ['Accept', 'a'],
          ['Accept', 'b'],
        ],
      }),
    ],
  },
  {
    name: 'obs-text in a value is allowed',
    rfc: '9110 §5.5',
    raw: `GET / HTTP/1.1\r\n${H}X: caf\xe9\r\n\r\n`,
    expect: [
      ok({
        headers: [
          ['Host', 'a'],
          ['X', 'caf\xe9'],
        ],
      }),
    ],
  },
  {
    name: 'HTAB inside a value is allowed',
    rfc: '9110 §5.5',
    raw: `GET / HTTP/1.1\r\n${H}X: a\tb\r\n\r\n`,
    expect: [
      ok({
        headers: [
          ['Host', 'a'],
          ['X', 'a\tb'],
        ],
      }),
    ],
  },
  { name: 'whitespace between name and colon', rfc: '9112 §5.1', raw: `GET / HTTP/1.1\r\nHost : a\r\n\r\n`, expect: [err(400, 'field-name-whitespace')] },
  { name: 'HTAB between name and colon', rfc: '9112 §5.1', raw: `GET / HTTP/1.1\r\n${H}X\t: a\r\n\r\n`, expect: [err(400, 'field-name-whitespace')] },
  { name: 'obs-fold', rfc: '9112 §5.2', raw: `GET / HTTP/1.1\r\n${H}X: a\r\n  b\r\n\r\n`, expect: [err(400, 'obs-fold')] },
  { name: 'obs-fold with HTAB', rfc: '9112 §5.2', raw: `GET / HTTP/1.1\r\n${H}X: a\r\n\tb\r\n\r\n`, expect: [err(400, 'obs-fold')] },
  { name: 'whitespace before the first header', rfc: '9112 §2.2', raw: `GET / HTTP/1.1\r\n ${H}\r\n`, expect: [err(400, 'whitespace-before-fields')] },
  { name: 'NUL in a value', rfc: '9110 §5.5', raw: `GET / HTTP/1.1\r\n${H}X: a\x00b\r\n\r\n`, expect: [err(400, 'field-value-nul')] },
  { name: 'control byte in a value', rfc: '9110 §5.5', raw: `GET / HTTP/1.1\r\n${H}X: a\x01b\r\n\r\n`, expect: [err(400, 'field-value-char')] },
  { name: 'DEL in a value', rfc: '9110 §5.5', raw: `GET / HTTP/1.1\r\n${H}X: a\x7fb\r\n\r\n`, expect: [err(400, 'field-value-char')] },
  { name: 'non-token byte in a name', rfc: '9110 §5.1', raw: `GET / HTTP/1.1\r\n${H}X(y): a\r\n\r\n`, expect: [err(400, 'field-name-char')] },
  { name: 'empty name', rfc: '9110 §5.1', raw: `GET / HTTP/1.1\r\n${H}: a\r\n\r\n`, expect: [err(400, 'field-name-empty')] },
  { name: 'line without a colon', rfc: '9112 §5', raw: `GET / HTTP/1.1\r\n${H}NoColon\r\n\r\n`, expect: [err(400, 'field-no-colon')] },
  { name: 'header count at the limit', rfc: '9110 §15.5.1 (431 per RFC 6585 §5)', raw: `GET / HTTP/1.1\r\n${H}${'X: y\r\n'.repeat(99)}\r\n`, expect: [ok({})] },
  {
    name: 'header count over the limit',
    rfc: 'RFC 6585 §5',
    raw: `GET / HTTP/1.1\r\n${H}${'X: y\r\n'.repeat(100)}\r\n`,
    expect: [err(431, 'too-many-fields')],
  },
  {
    name: 'header section at the limit',
    rfc: 'RFC 6585 §5',
    limits: { maxHeaderBytes: 64 },
    raw: `GET / HTTP/1.1\r\n${H}X: ${'y'.repeat(64 - H.length - 7)}\r\n\r\n`,
    expect: [ok({})],
  },
  {
    name: 'header section one byte over the limit',
    rfc: 'RFC 6585 §5',
    limits: { maxHeaderBytes: 64 },
    raw: `GET / HTTP/1.1\r\n${H}X: ${'y'.repeat(64 - H.length - 6)}\r\n\r\n`,
    expect: [err(431, 'header-section-too-large')],
  },
  {
    name: 'header section over the limit',
    rfc: 'RFC 6585 §5',
    limits: { maxHeaderBytes: 64 },
    raw: `GET / HTTP/1.1\r\n${H}X: ${'y'.repeat(60)}\r\n\r\n`,
    expect: [err(431, 'header-section-too-large')],
  },
  {
    name: 'header section over the default 16 KiB',
    rfc: 'RFC 6585 §5',
    raw: `GET / HTTP/1.1\r\n${H}X: ${'y'.repeat(16 * 1024)}\r\n\r\n`,
    expect: [err(431, 'header-section-too-large')],
  },
  {
    name: 'endless header section is refused before its end',
    rfc: 'RFC 6585 §5',
    limits: { maxHeaderBytes: 64 },
    raw: `GET / HTTP/1.1\r\n${H}X: ${'y'.repeat(100)}`,
    expect: [err(431, 'header-section-too-large')],
  },

  // --- Host: RFC 9112 §3.2, RFC 9110 §7.2 ------------------------------------------------------
  { name: 'HTTP/1.1 without Host', rfc: '9112 §3.2', raw: 'GET / HTTP/1.1\r\n\r\n', expect: [err(400, 'host-missing')] },
  { name: 'two Host fields', rfc: '9112 §3.2', raw: 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', expect: [err(400, 'host-repeated')] },
  { name: 'two identical Host fields', rfc: '9112 §3.2', raw: 'GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n', expect: [err(400, 'host-repeated')] },
  { name: 'Host as a comma list', rfc: '9112 §3.2', raw: 'GET / HTTP/1.1\r\nHost: a, b\r\n\r\n', expect: [err(400, 'host-invalid')] },
  { name: 'Host with a port', rfc: '9110 §7.2', raw: 'GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n', expect: [ok({})] },
  { name: 'Host as an IPv6 literal', rfc: '9110 §7.2', raw: 'GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n', expect: [ok({})] },
  { name: 'Host as brackets that hold no IPv6 address', rfc: '3986 §3.2.2', raw: 'GET / HTTP/1.1\r\nHost: [1]\r\n\r\n', expect: [err(400, 'host-invalid')] },
  { name: 'Host as [:]', rfc: '3986 §3.2.2', raw: 'GET / HTTP/1.1\r\nHost: [:]\r\n\r\n', expect: [err(400, 'host-invalid')] },
  { name: 'empty Host', rfc: '9112 §3.2', raw: 'GET / HTTP/1.1\r\nHost:\r\n\r\n', expect: [ok({})] },
  { name: 'Host with a non-numeric port', rfc: '9110 §7.2', raw: 'GET / HTTP/1.1\r\nHost: a:b\r\n\r\n', expect: [err(400, 'host-invalid')] },
  { name: 'Host with a space inside', rfc: '9110 §7.2', raw: 'GET / HTTP/1.1\r\nHost: a b\r\n\r\n', expect: [err(400, 'host-invalid')] },
  { name: 'Host with a path', rfc: '9110 §7.2', raw: 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n', expect: [err(400, 'host-invalid')] },
  { name: 'Host with an unclosed IPv6 literal', rfc: '9110 §7.2', raw: 'GET / HTTP/1.1\r\nHost: [::1\r\n\r\n', expect: [err(400, 'host-invalid')] },
  { name: 'HTTP/1.0 with two Host fields', rfc: '9112 §3.2', raw: 'GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n', expect: [err(400, 'host-repeated')] },
  { name: 'Host name is case-insensitive', rfc: '9110 §5.1', raw: 'GET / HTTP/1.1\r\nhOST: a\r\n\r\n', expect: [ok({})] },

  // --- Content-Length: RFC 9112 §6.3, RFC 9110 §8.6 -------------------------------------------
  { name: 'Content-Length body', rfc: '9112 §6.2', raw: post('Content-Length: 5\r\n', 'hello'), expect: [ok({ method: 'POST', body: 'hello' })] },
  { name: 'Content-Length 0', rfc: '9112 §6.3', raw: post('Content-Length: 0\r\n', ''), expect: [ok({ body: '' })] },
  { name: 'Content-Length with leading zeros', rfc: '9110 §8.6', raw: post('Content-Length: 005\r\n', 'hello'), expect: [ok({ body: 'hello' })] },
  { name: 'Content-Length +5', rfc: '9110 §8.6', raw: post('Content-Length: +5\r\n', 'hello'), expect: [err(400, 'content-length-invalid')] },
  { name: 'Content-Length -1', rfc: '9110 §8.6', raw: post('Content-Length: -1\r\n', 'hello'), expect: [err(400, 'content-length-invalid')] },
  { name: 'Content-Length 0x5', rfc: '9110 §8.6', raw: post('Content-Length: 0x5\r\n', 'hello'), expect: [err(400, 'content-length-invalid')] },
  { name: 'Content-Length "1 0"', rfc: '9110 §8.6', raw: post('Content-Length: 1 0\r\n', 'helloworld'), expect: [err(400, 'content-length-invalid')] },
  { name: 'Content-Length 1_0', rfc: '9110 §8.6', raw: post('Content-Length: 1_0\r\n', 'helloworld'), expect: [err(400, 'content-length-invalid')] },
  { name: 'empty Content-Length', rfc: '9110 §8.6', raw: post('Content-Length:\r\n', ''), expect: [err(400, 'content-length-empty')] },
  { name: 'Content-Length as a list', rfc: '9110 §8.6', raw: post('Content-Length: 5, 5\r\n', 'hello'), expect: [err(400, 'content-length-invalid')] },
  {
    name: 'identical Content-Length fields are refused too (RFC 9110 allows collapsing them; llhttp refuses)',
    rfc: '9110 §8.6',
    raw: post('Content-Length: 5\r\nContent-Length: 5\r\n', 'hello'),
    expect: [err(400, 'content-length-repeated')],
  },
  {
    name: 'differing Content-Length fields (smuggling)',
    rfc: '9112 §6.3',
    raw: post('Content-Length: 5\r\nContent-Length: 39\r\n', `hello${get('/smuggled')}`),
    expect: [err(400, 'content-length-repeated')],
  },
  {
    name: 'a Content-Length over the limit, its line ended but not the head',
    rfc: '9110 §15.5.14',
    raw: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r',
    expect: [err(413, 'content-length-too-large')],
  },
  {
    name: 'Content-Length too large to represent',
    rfc: '9110 §8.6',
    raw: post('Content-Length: 99999999999999999999999999\r\n', ''),
    expect: [err(413, 'content-length-too-large')],
  },
  {
    name: 'Content-Length overflowing any integer, refused before the head ends',
    rfc: '9110 §8.6',
    raw: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000000000000000000\r\nX-More: ',

    expect: [err(413, 'content-length-too-large')],
  },
  {
    name: 'Content-Length over the limit, refused before its line ends',
    rfc: '9110 §15.5.14',
    raw: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999',

    expect: [err(413, 'content-length-too-large')],
  },
  {
    name: 'Content-Length that is no number, refused before its line ends',
    rfc: '9110 §8.6',
    raw: 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12x',

    expect: [err(400, 'content-length-invalid')],
  },
  {
    name: 'Content-Length over the body limit, refused before the body',
    rfc: '9110 §15.5.14',
    raw: post(`Content-Length: ${1024 * 1024 + 1}\r\n`, 'x'),
    expect: [err(413, 'content-length-too-large')],
  },
  {
    name: 'Content-Length at a small limit',
    rfc: '9110 §15.5.14',
    limits: { maxBodyBytes: 4 },
    raw: post('Content-Length: 4\r\n', 'abcd'),
    expect: [ok({ body: 'abcd' })],
  },
  {
    name: 'Content-Length over a small limit',
    rfc: '9110 §15.5.14',
    limits: { maxBodyBytes: 4 },
    raw: post('Content-Length: 5\r\n', 'abcde'),
    expect: [err(413, 'content-length-too-large')],
  },
  { name: 'body shorter than Content-Length waits for more', rfc: '9112 §6.2', raw: post('Content-Length: 10\r\n', 'hello'), expect: [], incomplete: true },
  { name: 'Content-Length name is case-insensitive', rfc: '9110 §5.1', raw: post('content-LENGTH: 2\r\n', 'hi'), expect: [ok({ body: 'hi' })] },

  // --- Transfer-Encoding: RFC 9112 §6.1, §6.3 --------------------------------------------------
  { name: 'chunked body', rfc: '9112 §7.1', raw: chunked('5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n'), expect: [ok({ body: 'hello world' })] },
  { name: 'chunked is case-insensitive', rfc: '9112 §7', raw: post('Transfer-Encoding: Chunked\r\n', '2\r\nhi\r\n0\r\n\r\n'), expect: [ok({ body: 'hi' })] },
  {
    name: 'chunked with trailing OWS is still chunked',
    rfc: '9112 §5.1',
    raw: post('Transfer-Encoding: chunked \r\n', '2\r\nhi\r\n0\r\n\r\n'),
    expect: [ok({ body: 'hi' })],
  },
  {
    name: 'gzip, chunked is not implemented',
    rfc: '9112 §6.1',
    raw: post('Transfer-Encoding: gzip, chunked\r\n', '2\r\nhi\r\n0\r\n\r\n'),
    expect: [err(501, 'transfer-coding-unsupported')],
  },
  {
    name: 'chunked not final',
    rfc: '9112 §6.3',
    raw: post('Transfer-Encoding: chunked, gzip\r\n', '2\r\nhi\r\n0\r\n\r\n'),
    expect: [err(400, 'chunked-not-final')],
  },
  { name: 'gzip alone', rfc: '9112 §6.3', raw: post('Transfer-Encoding: gzip\r\n', 'hi'), expect: [err(400, 'chunked-not-final')] },
  { name: 'xchunked', rfc: '9112 §6.3', raw: post('Transfer-Encoding: xchunked\r\n', '2\r\nhi\r\n0\r\n\r\n'), expect: [err(400, 'chunked-not-final')] },
  { name: 'identity', rfc: '9112 §6.3', raw: post('Transfer-Encoding: identity\r\n', 'hi'), expect: [err(400, 'chunked-not-final')] },
  { name: 'empty Transfer-Encoding', rfc: '9112 §6.1', raw: post('Transfer-Encoding:\r\n', 'hi'), expect: [err(400, 'transfer-encoding-empty')] },
  {
    name: 'an empty element in Transfer-Encoding (RFC 9110 would ignore it; llhttp refuses)',
    rfc: '9110 §5.6.1',
    raw: post('Transfer-Encoding: chunked,\r\n', '2\r\nhi\r\n0\r\n\r\n'),
    expect: [err(400, 'transfer-encoding-empty-element')],
  },
  {
    name: 'a coding after chunked, refused at its field line before the head ends',
    rfc: '9112 §6.3',
    raw: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n',
    expect: [err(400, 'chunked-not-final')],
  },
  {
    name: 'a coding after a line that ended in chunked',
    rfc: '9112 §6.3',
    raw: post('Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n', '0\r\n\r\n'),
    expect: [err(400, 'chunked-not-final')],
  },
  {
    name: 'a Transfer-Encoding judged at the CR that ends its value',
    rfc: '9112 §6.1',
    raw: 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r',
    expect: [err(400, 'transfer-encoding-empty-element')],
  },
  {
    name: 'chunked, chunked',
    rfc: '9112 §6.1',
    raw: post('Transfer-Encoding: chunked, chunked\r\n', '2\r\nhi\r\n0\r\n\r\n'),
    expect: [err(400, 'chunked-repeated')],
  },
  {
    name: 'chunked on two lines',
    rfc: '9112 §6.1',
    raw: post('Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n', '2\r\nhi\r\n0\r\n\r\n'),
    expect: [err(400, 'chunked-repeated')],
  },
  {
    name: 'gzip then chunked on two lines',
    rfc: '9112 §6.1',
    raw: post('Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n', '2\r\nhi\r\n0\r\n\r\n'),
    expect: [err(501, 'transfer-coding-unsupported')],
  },
  {
    name: 'chunked with a parameter',
    rfc: '9112 §7',
    raw: post('Transfer-Encoding: chunked;q=1\r\n', '2\r\nhi\r\n0\r\n\r\n'),
    expect: [err(400, 'transfer-encoding-invalid')],
  },
  {
    name: 'chunked followed by junk',
    rfc: '9112 §6.1',
    raw: post('Transfer-Encoding: chunked x\r\n', '2\r\nhi\r\n0\r\n\r\n'),
    expect: [err(400, 'transfer-encoding-invalid')],
  },
  {
    name: 'Transfer-Encoding in HTTP/1.0',
    rfc: '9112 §6.1',
    raw: 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
    expect: [err(400, 'transfer-encoding-http10')],
  },
  {
    name: 'CL then TE with a request hidden in the body (smuggling)',
    rfc: '9112 §6.3',
    raw: post('Content-Length: 44\r\nTransfer-Encoding: chunked\r\n', `0\r\n\r\n${get('/smuggled')}`),
    expect: [err(400, 'transfer-encoding-with-content-length')],
  },
  {
    name: 'TE then CL with a request hidden in the body (smuggling)',
    rfc: '9112 §6.3',
    raw: post('Transfer-Encoding: chunked\r\nContent-Length: 3\r\n', `0\r\n\r\n${get('/smuggled')}`),
    expect: [err(400, 'transfer-encoding-with-content-length')],
  },
  {
    name: 'TE obfuscated with a space before the colon (smuggling)',
    rfc: '9112 §5.1',
    raw: post('Content-Length: 5\r\nTransfer-Encoding : chunked\r\n', '0\r\n\r\n'),
    expect: [err(400, 'field-name-whitespace')],
  },
  {
    name: 'TE obfuscated by obs-fold (smuggling)',
    rfc: '9112 §5.2',
    raw: post('Transfer-Encoding:\r\n chunked\r\n', '0\r\n\r\n'),
    expect: [err(400, 'transfer-encoding-empty')],
  },

  // --- chunked framing: RFC 9112 §7.1 ----------------------------------------------------------
  { name: 'upper-case hex chunk size', rfc: '9112 §7.1', raw: chunked(`A\r\n${'x'.repeat(10)}\r\n0\r\n\r\n`), expect: [ok({ body: 'x'.repeat(10) })] },
  { name: 'chunk size with leading zeros', rfc: '9112 §7.1', raw: chunked('0002\r\nhi\r\n0\r\n\r\n'), expect: [ok({ body: 'hi' })] },
  { name: 'chunk size 0x5', rfc: '9112 §7.1', raw: chunked('0x5\r\nhello\r\n0\r\n\r\n'), expect: [err(400, 'chunk-extension-invalid')] },
  { name: 'chunk size -5', rfc: '9112 §7.1', raw: chunked('-5\r\nhello\r\n0\r\n\r\n'), expect: [err(400, 'chunk-size-invalid')] },
  { name: 'chunk size +5', rfc: '9112 §7.1', raw: chunked('+5\r\nhello\r\n0\r\n\r\n'), expect: [err(400, 'chunk-size-invalid')] },
  { name: 'chunk size with leading space', rfc: '9112 §7.1', raw: chunked(' 5\r\nhello\r\n0\r\n\r\n'), expect: [err(400, 'chunk-size-invalid')] },
  { name: 'chunk size with trailing space', rfc: '9112 §7.1', raw: chunked('5 \r\nhello\r\n0\r\n\r\n'), expect: [err(400, 'chunk-extension-invalid')] },
  { name: 'chunk size 1_0', rfc: '9112 §7.1', raw: chunked(`1_0\r\n${'x'.repeat(16)}\r\n0\r\n\r\n`), expect: [err(400, 'chunk-extension-invalid')] },
  { name: 'empty chunk size', rfc: '9112 §7.1', raw: chunked('\r\nhello\r\n0\r\n\r\n'), expect: [err(400, 'chunk-size-invalid')] },
  {
    name: 'chunk size that overflows',
    rfc: '9112 §7.1',
    raw: chunked('ffffffffffffffffffffffff\r\nhello\r\n0\r\n\r\n'),
    expect: [err(413, 'chunked-body-too-large')],
  },
  {
    name: 'chunked body over the body limit',
    rfc: '9110 §15.5.14',
    limits: { maxBodyBytes: 8 },
    raw: chunked('5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n'),
    expect: [err(413, 'chunked-body-too-large')],
  },
  {
    name: 'chunk extensions are validated and dropped',
    rfc: '9112 §7.1.1',
    raw: chunked('5;a=b;c\r\nhello\r\n0;last="q\\"uoted"\r\n\r\n'),
    expect: [ok({ body: 'hello' })],
  },
  // RFC 9112 §7.1.1's grammar has BWS around ";" and "=", which RFC 9110 §5.6.3 forbids senders to
  // generate; refused, as llhttp refuses it (whitespace in a chunk-size line is a smuggling shape).
  { name: 'chunk extension with BWS', rfc: '9110 §5.6.3', raw: chunked('5 ; a = b\r\nhello\r\n0\r\n\r\n'), expect: [err(400, 'chunk-extension-invalid')] },
  { name: 'BWS before a chunk extension', rfc: '9110 §5.6.3', raw: chunked('5\t;a\r\nhello\r\n0\r\n\r\n'), expect: [err(400, 'chunk-extension-invalid')] },
  {
    name: 'BWS after the semicolon of the last chunk',
    rfc: '9110 §5.6.3',
    raw: chunked('5\r\nhello\r\n0; a\r\n\r\n'),
    expect: [err(400, 'chunk-extension-invalid')],
  },
  { name: 'chunk extensions without BWS', rfc: '9112 §7.1.1', raw: chunked('5;a=b;c;d="e f"\r\nhello\r\n0\r\n\r\n'), expect: [ok({ body: 'hello' })] },
  { name: 'chunk extension without a name', rfc: '9112 §7.1.1', raw: chunked('5;\r\nhello\r\n0\r\n\r\n'), expect: [err(400, 'chunk-extension-invalid')] },
  {
    name: 'chunk extension with an unterminated quote',
    rfc: '9112 §7.1.1',
    raw: chunked('5;a="b\r\nhello\r\n0\r\n\r\n'),
    expect: [err(400, 'chunk-extension-invalid')],
  },
  {
    name: 'chunk extension with a control byte',
    rfc: '9112 §7.1.1',
    raw: chunked('5;a=\x01\r\nhello\r\n0\r\n\r\n'),
    expect: [err(400, 'chunk-extension-invalid')],
  },
  {
    name: 'chunk extensions over their limit',
    rfc: '9112 §7.1.1',
    limits: { maxChunkExtensionBytes: 16 },
    raw: chunked(`1;a=${'b'.repeat(8)}\r\nx\r\n1;a=${'b'.repeat(8)}\r\ny\r\n0\r\n\r\n`),
    expect: [err(413, 'chunk-extensions-too-long')],
  },
  { name: 'chunk data longer than its size', rfc: '9112 §7.1', raw: chunked('3\r\nhello\r\n0\r\n\r\n'), expect: [err(400, 'chunk-data-no-crlf')] },
  { name: 'chunk data shorter than its size', rfc: '9112 §7.1', raw: chunked('7\r\nhello\r\n0\r\n\r\n'), expect: [err(400, 'chunk-data-no-crlf')] },
  { name: 'chunk data not followed by CRLF', rfc: '9112 §7.1', raw: chunked('5\r\nhelloXX0\r\n\r\n'), expect: [err(400, 'chunk-data-no-crlf')] },
  { name: 'chunk data followed by a bare LF', rfc: '9112 §7.1', raw: chunked('5\r\nhello\n0\r\n\r\n'), expect: [err(400, 'chunk-data-no-crlf')] },
  { name: 'a bare LF before the request line', rfc: '9112 §2.2', raw: `\nGET / HTTP/1.1\r\n${H}\r\n`, expect: [err(400, 'bare-lf')] },
  { name: 'bare LF after a chunk size', rfc: '9112 §2.2', raw: chunked('5\nhello\r\n0\r\n\r\n'), expect: [err(400, 'bare-lf')] },
  {
    name: 'trailer fields are parsed and dropped',
    rfc: '9112 §7.1.2',
    raw: chunked('2\r\nhi\r\n0\r\nX-Trailer: v\r\nX-Other: 99\r\n\r\n'),
    expect: [
      ok({
        body: 'hi',
        headers: [
          ['Host', 'a'],
          ['Transfer-Encoding', 'chunked'],
        ],
      }),
    ],
  },
  { name: 'invalid trailer field', rfc: '9112 §7.1.2', raw: chunked('2\r\nhi\r\n0\r\nBad Trailer: v\r\n\r\n'), expect: [err(400, 'trailer-invalid')] },
  {
    name: 'a framing field in the trailers is refused at its name, before its line ends',
    rfc: '9110 §6.5.1',
    raw: chunked('2\r\nhi\r\n0\r\nContent-Length:'),
    expect: [err(400, 'trailer-framing-field')],
  },
  { name: 'a CR that does not end a trailer line', rfc: '9112 §2.2', raw: chunked('2\r\nhi\r\n0\r\n\r6'), expect: [err(400, 'bare-cr')] },
  {
    name: 'a trailer value byte no field holds, before its line ends',
    rfc: '9110 §5.5',
    raw: chunked('2\r\nhi\r\n0\r\nT:\x01'),
    expect: [err(400, 'trailer-value-char')],
  },
  {
    name: 'a chunk extension that cannot become one, before its line ends',
    rfc: '9112 §7.1.1',
    raw: chunked('2\r\nhi\r\n0;@'),
    expect: [err(400, 'chunk-extension-invalid')],
  },
  { name: 'a chunk size that is no hex, before its line ends', rfc: '9112 §7.1', raw: chunked('x'), expect: [err(400, 'chunk-size-invalid')] },
  {
    name: 'Content-Length in the trailers',
    rfc: '9110 §6.5.1',
    raw: chunked('2\r\nhi\r\n0\r\ncontent-length: 99\r\n\r\n'),
    expect: [err(400, 'trailer-framing-field')],
  },
  {
    name: 'Transfer-Encoding in the trailers',
    rfc: '9110 §6.5.1',
    raw: chunked('2\r\nhi\r\n0\r\nTransfer-Encoding: d\r\n\r\n'),
    expect: [err(400, 'trailer-framing-field')],
  },
  { name: 'control byte in a trailer value', rfc: '9112 §7.1.2', raw: chunked('2\r\nhi\r\n0\r\nX: a\x01b\r\n\r\n'), expect: [err(400, 'trailer-value-char')] },
  {
    name: 'header and trailer fields over the field count limit',
    rfc: '9112 §7.1.2',
    limits: { maxHeaderCount: 3 },
    raw: chunked('2\r\nhi\r\n0\r\nA: 1\r\nB: 2\r\n\r\n'),
    expect: [err(431, 'too-many-trailer-fields')],
  },
  {
    name: 'one trailer line over the header size limit',
    rfc: '9112 §7.1.2',
    limits: { maxHeaderBytes: 64 },
    raw: chunked(`2\r\nhi\r\n0\r\nX: ${'y'.repeat(70)}\r\n\r\n`),
    expect: [err(431, 'trailer-section-too-large')],
  },
  {
    name: 'trailer lines adding up past the header size limit',
    rfc: '9112 §7.1.2',
    limits: { maxHeaderBytes: 64 },
    raw: chunked(`2\r\nhi\r\n0\r\nX: ${'y'.repeat(37)}\r\nY: ${'z'.repeat(37)}\r\n\r\n`),
    expect: [err(431, 'trailer-section-too-large')],
  },
  {
    name: 'chunk size line over its limit',
    rfc: '9112 §7.1.1',
    limits: { maxChunkExtensionBytes: 16 },
    raw: chunked(`1;a=${'b'.repeat(60)}\r\nx\r\n0\r\n\r\n`),
    expect: [err(413, 'chunk-line-too-long')],
  },
  { name: 'obs-fold in a trailer', rfc: '9112 §5.2', raw: chunked('2\r\nhi\r\n0\r\nX: a\r\n b\r\n\r\n'), expect: [err(400, 'obs-fold')] },
  { name: 'unfinished chunked body waits for more', rfc: '9112 §7.1', raw: chunked('5\r\nhello\r\n'), expect: [], incomplete: true },

  // --- field names and framing values are case-insensitive: RFC 9110 §5.1, §7.6.1, §10.1.1, RFC 9112 §6.1 ---
  {
    name: 'framing field names in any case',
    rfc: '9110 §5.1',
    raw: 'POST /echo HTTP/1.1\r\nhOsT: a\r\nCONTENT-LENGTH: 2\r\nconnection: CLOSE\r\n\r\nhi',
    expect: [ok({ body: 'hi', keepAlive: false })],
  },
  {
    name: 'TRANSFER-ENCODING: CHUNKED in capitals',
    rfc: '9112 §6.1',
    raw: post('TRANSFER-ENCODING: CHUNKED\r\n', '2\r\nhi\r\n0\r\n\r\n'),
    expect: [ok({ body: 'hi' })],
  },
  {
    name: 'EXPECT: 100-CONTINUE in capitals',
    rfc: '9110 §10.1.1',
    raw: post('Content-Length: 2\r\nEXPECT: 100-CONTINUE\r\n', 'hi'),
    expect: [ok({ body: 'hi', expectContinue: true })],
  },
  {
    name: 'HTTP/1.0 with Connection: KEEP-ALIVE',
    rfc: '9112 §9.3',
    raw: 'GET / HTTP/1.0\r\nConnection: KEEP-ALIVE\r\n\r\n',
    expect: [ok({ keepAlive: true })],
  },
  {
    name: 'names one letter off a framing field are ordinary fields',
    rfc: '9110 §5.1',
    raw: `GET / HTTP/1.1\r\n${H}Hosu: b\r\nContent-Lengtx: 5\r\nTransfer-Encodinh: chunked\r\nConnectiom: close\r\nExpecu: nothing\r\n\r\n`,
    expect: [ok({ body: '', keepAlive: true, expectContinue: false })],
  },
  {
    name: 'Connection values one letter off are ignored',
    rfc: '9112 §9.3',
    raw: 'GET / HTTP/1.0\r\nConnection: keep-alivf, closf\r\n\r\n',
    expect: [ok({ keepAlive: false })],
  },
  { name: 'Connection: closf does not close', rfc: '9112 §9.6', raw: `GET / HTTP/1.1\r\n${H}Connection: closf\r\n\r\n`, expect: [ok({ keepAlive: true })] },

  // --- Expect: RFC 9110 §10.1.1 ---------------------------------------------------------------
  {
    name: 'an empty Expect expects nothing',
    rfc: '9110 §10.1.1, §5.6.1',
    raw: post('Content-Length: 2\r\nExpect:\r\n', 'hi'),
    expect: [ok({ body: 'hi', expectContinue: false })],
  },
  {
    name: 'Expect: 100-continue',
    rfc: '9110 §10.1.1',
    raw: post('Content-Length: 2\r\nExpect: 100-Continue\r\n', 'hi'),
    expect: [ok({ body: 'hi', expectContinue: true })],
  },
  {
    name: 'an unknown expectation',
    rfc: '9110 §10.1.1',
    raw: post('Content-Length: 2\r\nExpect: something\r\n', 'hi'),
    expect: [err(417, 'expectation-unsupported')],
  },
  {
    name: 'Expect in HTTP/1.0 is ignored',
    rfc: '9110 §10.1.1',
    raw: 'POST / HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi',
    expect: [ok({ body: 'hi', expectContinue: false })],
  },

  // --- Connection: RFC 9112 §9.3, §9.6 --------------------------------------------------------
  { name: 'Connection: close', rfc: '9112 §9.6', raw: `GET / HTTP/1.1\r\n${H}Connection: close\r\n\r\n`, expect: [ok({ keepAlive: false })] },
  {
    name: 'close among other connection options',
    rfc: '9110 §7.6.1',
    raw: `GET / HTTP/1.1\r\n${H}Connection: keep-alive, CLOSE\r\n\r\n`,
    expect: [ok({ keepAlive: false })],
  },
  {
    name: 'HTTP/1.0 keep-alive then close',
    rfc: '9112 §9.3',
    raw: 'GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n',
    expect: [ok({ keepAlive: false })],
  },

  // --- pipelining: RFC 9112 §9.3.2 ------------------------------------------------------------
  {
    name: 'three pipelined requests',
    rfc: '9112 §9.3.2',
    raw: get('/1') + post('Content-Length: 3\r\n', 'two') + chunked('1\r\n3\r\n0\r\n\r\n'),
    expect: [ok({ target: '/1' }), ok({ body: 'two' }), ok({ body: '3' })],
  },
  {
    name: 'a request, then garbage: nothing after it is read',
    rfc: '9112 §9.3.2',
    raw: `${get('/ok')}GE/T LINE\r\n\r\n${get('/never')}`,
    expect: [ok({ target: '/ok' }), err(400, 'method-char')],
  },
  { name: 'a request, then half of the next', rfc: '9112 §9.3.2', raw: `${get('/1')}GET /2 HTTP/1.1\r\nHo`, expect: [ok({ target: '/1' })], incomplete: true },
];
