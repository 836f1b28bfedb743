// Where this parser and llhttp (Node's own, in its strict mode: no lenient flags) answer the same
// bytes differently on purpose. `npm run fuzz` (bench/fuzz/) feeds both the same inputs; a
// difference that no entry here recognizes is reported as a finding, and the tests check that
// every entry's example still differs as written, so the table cannot go stale.
//
// Every entry is stricter than llhttp: a refusal of ours where llhttp accepts (or, for one, a
// connection we close where llhttp keeps it), each by a rule of RFC 9110 or RFC 9112 or by one of
// the parser's limits. A difference the other way (we accept what llhttp refuses) is never
// documented away here: it is a bug to fix in the parser, or a case to argue. One case is argued
// (`htab-after-framing-value`): an HTAB after a framing field's value, which RFC 9110 §5.6.3 makes
// whitespace around the value, is refused only by llhttp 9.3 (Node 20); llhttp 9.4 (Node 22 and
// 24) accepts it as we do.

import { STANDARD_METHODS } from './head-scanner.js';
import { DEFAULT_LIMITS } from './limits.js';
import type { ParseErrorCode } from './parse-error.js';

/** A request as either parser made it, in a form both can give and that compares field by field. */
export interface ParsedRequest {
  readonly method: string;
  readonly target: string;
  /** `1.1` or `1.0`; llhttp also gives `2.0` and `0.9`. */
  readonly version: string;
  /** Every field line as [name as sent, value without surrounding whitespace], in order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The body, decoded from chunks if chunked, as latin1. */
  readonly body: string;
  readonly keepAlive: boolean;
}

/**
 * What our parser made of one request of an input: a request, a refusal, or nothing yet (the
 * input ended before a request was complete, or before another began).
 */
export type OurResult =
  | { readonly verdict: 'accept'; readonly request: ParsedRequest }
  | { readonly verdict: 'reject'; readonly status: number; readonly code: ParseErrorCode }
  | { readonly verdict: 'wait' };

/** What llhttp made of one request of an input; `upgrade` when it hands the connection over (CONNECT, Upgrade). */
export type LlhttpResult =
  | { readonly verdict: 'accept'; readonly request: ParsedRequest; readonly upgrade: boolean }
  | { readonly verdict: 'reject'; readonly code: string; readonly reason: string }
  | { readonly verdict: 'wait' };

/** One deliberate difference: what it is, an input that shows it, why, and how to recognize it. */
export interface DeliberateDifference {
  readonly name: string;
  /** The llhttp versions (process.versions.llhttp) that differ so; every version when absent. */
  readonly llhttpVersions?: RegExp;
  /** An input (latin1) whose first request shows the difference. */
  readonly example: string;
  /** llhttp's verdict on the example's first request. */
  readonly llhttp: 'accept' | 'reject';
  /** Ours: the status and the rule that refuses it; or, where we accept, the fields we make otherwise. */
  readonly ours: { readonly status: number; readonly code: ParseErrorCode } | { readonly accept: Partial<ParsedRequest> } | { readonly wait: true };
  /** The RFC section or the design choice behind it. */
  readonly reason: string;
  /**
   * Whether a difference is of this kind, from the input (its bytes from where the request they
   * disagree on begins) and both parsers' results for that request.
   */
  matches(input: Buffer, ours: OurResult, llhttp: LlhttpResult): boolean;
}

const H = 'Host: a\r\n';

/** We refuse by one of `codes` what llhttp accepts, and (if given) `also` holds of the input and llhttp's request. */
function refusedAs(codes: readonly ParseErrorCode[], also: (input: string, request: ParsedRequest) => boolean = () => true) {
  return (input: Buffer, ours: OurResult, llhttp: LlhttpResult): boolean =>
    ours.verdict === 'reject' && codes.includes(ours.code) && llhttp.verdict === 'accept' && also(input.toString('latin1'), llhttp.request);
}

/** The values of the field lines named `lowerName`. */
function fieldValues(request: ParsedRequest, lowerName: string): string[] {
  return request.headers.filter(([n]) => n.toLowerCase() === lowerName).map(([, v]) => v);
}

/** Whether two requests have the same fields. */
function sameRequest(a: ParsedRequest, b: ParsedRequest): boolean {
  return (
    a.method === b.method &&
    a.target === b.target &&
    a.version === b.version &&
    a.body === b.body &&
    a.keepAlive === b.keepAlive &&
    a.headers.length === b.headers.length &&
    a.headers.every(([n, v], i) => b.headers[i]?.[0] === n && b.headers[i]?.[1] === v)
  );
}

/** The first line of the input that is not empty: the request line. */
function requestLine(input: string): string {
  return /^[\r\n]*([^\r\n]*)/.exec(input)?.[1] ?? '';
}

/** The methods our server implements (RFC 9110 §9 and PATCH); any other gets 501. */
const IMPLEMENTED = STANDARD_METHODS;

const TOKEN_RE = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/** A transfer coding with its parameters (RFC 9112 §7): token *( OWS ";" OWS token "=" ( token / quoted-string ) ). */
const TRANSFER_CODING = new RegExp(`^${TOKEN_RE}([ \\t]*;[ \\t]*${TOKEN_RE}=(${TOKEN_RE}|"([^"\\\\]|\\\\.)*"))*$`);

/** A chunk-size line with extensions (RFC 9112 §7.1.1, no BWS): size *( ";" token [ "=" ( token / quoted-string ) ] ). */
const CHUNK_LINE = new RegExp(`^[0-9A-Fa-f]+(;${TOKEN_RE}(=(${TOKEN_RE}|"([^"\\\\\\r\\n]|\\\\[^\\r\\n])*"))?)*$`);

/** Limits are ours alone (llhttp in Node has only a header size limit, lifted for the comparison). */
const BIG_BODY = 'a'.repeat(1024 * 1024 + 1);

/** The deliberate differences, each with an example the tests run through both parsers. */
export const LLHTTP_DIFFERENCES: readonly DeliberateDifference[] = [
  {
    name: 'method-not-implemented',
    example: `PROPFIND / HTTP/1.1\r\n${H}\r\n`,
    llhttp: 'accept',
    ours: { status: 501, code: 'method-not-implemented' },
    reason:
      'RFC 9110 §9.1: a method the server does not implement is answered 501. We implement the methods of RFC 9110 and PATCH; llhttp knows WebDAV, UPnP, CalDAV, SOURCE, QUERY, PURGE, LINK and more.',
    matches: refusedAs(['method-not-implemented'], (_, r) => !IMPLEMENTED.has(r.method)),
  },
  {
    name: 'connect',
    example: `CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n`,
    llhttp: 'accept',
    ours: { status: 501, code: 'connect-unsupported' },
    reason: 'RFC 9110 §9.3.6: CONNECT asks for a tunnel, which only a proxy offers; this server is not one (llhttp hands the connection over as an upgrade).',
    matches: refusedAs(['connect-unsupported'], (_, r) => r.method === 'CONNECT'),
  },
  {
    name: 'host-missing',
    example: 'GET / HTTP/1.1\r\n\r\n',
    llhttp: 'accept',
    ours: { status: 400, code: 'host-missing' },
    reason: 'RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host (llhttp leaves Host to the application).',
    matches: refusedAs(['host-missing'], (_, r) => r.version === '1.1' && fieldValues(r, 'host').length === 0),
  },
  {
    name: 'host-repeated',
    example: `GET / HTTP/1.1\r\n${H}${H}\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'host-repeated' },
    reason: 'RFC 9112 §3.2: a server MUST answer 400 to a request with more than one Host field line.',
    matches: refusedAs(['host-repeated'], (_, r) => fieldValues(r, 'host').length > 1),
  },
  {
    name: 'host-invalid',
    example: 'GET / HTTP/1.1\r\nHost: a,b\r\n\r\n',
    llhttp: 'accept',
    ours: { status: 400, code: 'host-invalid' },
    reason:
      'RFC 9112 §3.2 and RFC 9110 §7.2: a server MUST answer 400 to a Host that is not uri-host [ ":" port ]; a comma can only mean two hosts joined into a list.',
    matches: refusedAs(['host-invalid'], (_, r) => fieldValues(r, 'host').length > 0),
  },
  {
    name: 'empty-lines-before-request',
    example: `\r\n\r\nGET / HTTP/1.1\r\n${H}\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'empty-lines-before-request' },
    reason: 'RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line; we ignore exactly one (llhttp any number).',
    matches: refusedAs(['empty-lines-before-request']),
  },
  {
    name: 'bare-line-break',
    example: `\nGET / HTTP/1.1\r\n${H}\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'bare-lf' },
    reason:
      'RFC 9112 §2.2: only CRLF ends a line; a bare LF or CR is refused wherever it stands, before the request line too. llhttp skips a bare LF or CR there.',
    matches: refusedAs(['bare-lf', 'bare-cr', 'method-empty'], (input) => /^(\r\n)*(\n|\r(?!\n))/.test(input)),
  },
  {
    name: 'request-line-whitespace',
    example: `GET  / HTTP/1.1\r\n${H}\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'target-empty' },
    reason: 'RFC 9112 §3: method, target and version are separated by one SP each; llhttp takes any run of spaces.',
    matches: refusedAs(['target-empty', 'version-invalid'], (input) => requestLine(input).includes('  ')),
  },
  {
    name: 'http-0.9-request-line',
    example: 'GET /\r\n\r\n',
    llhttp: 'accept',
    ours: { status: 400, code: 'version-missing' },
    reason: 'RFC 9112 §3: the request line ends in an HTTP version; llhttp reads a line without one as an HTTP/0.9 request.',
    matches: refusedAs(['version-missing'], (_, r) => r.version === '0.9'),
  },
  {
    name: 'version-unsupported',
    example: `GET / HTTP/2.0\r\n${H}\r\n`,
    llhttp: 'accept',
    ours: { status: 505, code: 'version-unsupported' },
    reason:
      'RFC 9110 §15.6.6: 505 for a major version we do not speak in this framing (HTTP/2.0, HTTP/0.9); llhttp accepts them. A minor above 1 (HTTP/1.2) is 505 too, stricter than RFC 9110 §6.2, which would have it processed as 1.1; llhttp refuses it as well.',
    matches: refusedAs(['version-unsupported'], (_, r) => r.version !== '1.1' && r.version !== '1.0'),
  },
  {
    name: 'other-protocol',
    example: `OPTIONS / RTSP/1.0\r\n${H}\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'version-invalid' },
    reason: 'RFC 9112 §2.3: HTTP-version is "HTTP/" DIGIT "." DIGIT; llhttp also parses RTSP/1.0 and ICE/1.0 requests.',
    matches: refusedAs(['version-invalid'], (input) => /^\S+ \S+ (RTSP|ICE)\//.test(requestLine(input))),
  },
  {
    name: 'target-form',
    example: `GET *y HTTP/1.1\r\n${H}\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'target-form' },
    reason:
      'RFC 9112 §3.2: a request-target is in origin-form (/...), absolute-form (scheme://authority...), authority-form (CONNECT) or asterisk-form (*); llhttp takes other targets.',
    // Only a target in none of the forms, so a refusal of a valid absolute-form target is not filed here.
    matches: refusedAs(['target-form'], (_, r) => !/^(\/|\*$|[A-Za-z]+:\/\/[A-Za-z0-9\-._~%!$&'()*+,;=:@[\]]+([/?]|$))/.test(r.target)),
  },
  {
    name: 'asterisk-form',
    example: `GET * HTTP/1.1\r\n${H}\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'asterisk-not-options' },
    reason: 'RFC 9112 §3.2.4: the asterisk-form is only for OPTIONS.',
    matches: refusedAs(['asterisk-not-options'], (_, r) => r.target === '*'),
  },
  {
    name: 'expectation-unsupported',
    example: `GET / HTTP/1.1\r\n${H}Expect: 200-ok\r\n\r\n`,
    llhttp: 'accept',
    ours: { status: 417, code: 'expectation-unsupported' },
    reason: 'RFC 9110 §10.1.1: an expectation other than 100-continue MAY be answered 417 (llhttp leaves Expect to the application).',
    matches: refusedAs(['expectation-unsupported'], (_, r) => fieldValues(r, 'expect').some((v) => v !== '' && v.toLowerCase() !== '100-continue')),
  },
  {
    name: 'transfer-encoding-http10',
    example: `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'transfer-encoding-http10' },
    reason: 'RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding MUST be treated as having faulty framing; llhttp reads the chunks.',
    matches: refusedAs(['transfer-encoding-http10'], (_, r) => r.version === '1.0'),
  },
  {
    name: 'transfer-coding-unsupported',
    example: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n1\r\na\r\n0\r\n\r\n`,
    llhttp: 'accept',
    ours: { status: 501, code: 'transfer-coding-unsupported' },
    reason:
      'RFC 9112 §6.1: a server SHOULD answer 501 to a transfer coding it does not understand; llhttp decodes the chunks and leaves the rest to the application.',
    matches: refusedAs(['transfer-coding-unsupported']),
  },
  {
    name: 'transfer-encoding-empty',
    // llhttp 9.4 (Node 22, 24) refuses it too.
    llhttpVersions: /^9\.3\./,
    example: `POST / HTTP/1.1\r\n${H}Transfer-Encoding:\r\n\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'transfer-encoding-empty' },
    reason:
      'RFC 9112 §6.3: a Transfer-Encoding whose final coding is not chunked leaves the length unknown, and a server MUST answer 400; llhttp reads an empty one as none.',
    matches: refusedAs(['transfer-encoding-empty']),
  },
  {
    name: 'transfer-encoding-empty-element',
    example: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'transfer-encoding-empty-element' },
    reason:
      'RFC 9110 §5.6.1 has a recipient ignore empty list elements; in the one field that frames the body we refuse them anywhere, where llhttp refuses only a trailing one (`chunked,`): two parsers that skip them differently read one body two ways.',
    matches: refusedAs(['transfer-encoding-empty-element']),
  },
  {
    name: 'transfer-encoding-invalid',
    example: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: x y, chunked\r\n\r\n1\r\na\r\n0\r\n\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'transfer-encoding-invalid' },
    reason: 'RFC 9112 §6.1: a transfer coding is a token, with parameters only after ";"; llhttp only looks for a final chunked.',
    // Only where some element is not token *( OWS ";" OWS name "=" value ), or is chunked with
    // parameters (it takes none): a refusal of a valid list is not filed here.
    matches: refusedAs(['transfer-encoding-invalid'], (_, r) =>
      fieldValues(r, 'transfer-encoding').some((v) =>
        v
          .split(',')
          .map((e) => e.trim())
          .some((e) => e !== '' && (!TRANSFER_CODING.test(e) || /^chunked[ \t]*;/i.test(e))),
      ),
    ),
  },
  {
    name: 'chunked-repeated',
    example: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\t\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'chunked-repeated' },
    reason:
      'RFC 9112 §6.1: chunked is applied once; `chunked` then HTAB on one line and `chunked` on another say it twice (OWS around a value is not part of it). llhttp 9.3 reads the first as another coding, so it sees chunked once.',
    matches: refusedAs(['chunked-repeated']),
  },
  {
    name: 'chunk-extension-invalid',
    example: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1;=\r\na\r\n0\r\n\r\n`,
    llhttp: 'accept',
    ours: { status: 400, code: 'chunk-extension-invalid' },
    reason: 'RFC 9112 §7.1.1: a chunk extension is ";" token [ "=" ( token / quoted-string ) ]; llhttp takes an empty name.',
    // Only where some chunk-size line's extensions break the grammar.
    matches: refusedAs(['chunk-extension-invalid'], (input) =>
      input
        .split('\r\n')
        .filter((line) => /^[0-9A-Fa-f]+;/.test(line))
        .some((line) => !CHUNK_LINE.test(line)),
    ),
  },
  {
    name: 'content-length-too-large',
    example: `POST / HTTP/1.1\r\n${H}Content-Length: ${BIG_BODY.length}\r\n\r\n${BIG_BODY}`,
    llhttp: 'accept',
    ours: { status: 413, code: 'content-length-too-large' },
    reason: 'Our body limit (1 MiB by default; RFC 9110 §15.5.14): refused from the Content-Length alone. llhttp has no body limit.',
    // Only where the body llhttp read is over the limit (or its Content-Length says so).
    matches: refusedAs(
      ['content-length-too-large', 'chunked-body-too-large'],
      (_, r) => r.body.length > DEFAULT_LIMITS.maxBodyBytes || fieldValues(r, 'content-length').some((v) => Number(v) > DEFAULT_LIMITS.maxBodyBytes),
    ),
  },
  {
    name: 'request-line-too-long',
    example: `GET /${'a'.repeat(8 * 1024)} HTTP/1.1\r\n${H}\r\n`,
    llhttp: 'accept',
    ours: { status: 414, code: 'request-line-too-long' },
    reason: 'Our request-line limit (8 KiB by default; RFC 9112 §3, RFC 9110 §15.5.15). llhttp has none.',
    // Only where the request line is over the limit.
    matches: refusedAs(['request-line-too-long'], (_, r) => `${r.method} ${r.target} HTTP/${r.version}`.length > DEFAULT_LIMITS.maxRequestLineBytes),
  },
  {
    name: 'header-section-too-large',
    example: `GET / HTTP/1.1\r\n${H}X: ${'a'.repeat(16 * 1024)}\r\n\r\n`,
    llhttp: 'accept',
    ours: { status: 431, code: 'header-section-too-large' },
    reason:
      'Our header-section limits (16 KiB, 100 field lines by default; RFC 6585 §5). Node gives llhttp a 16 KiB limit of its own, lifted for the comparison.',
    // Only where the header section is over the byte or the field limit.
    matches: refusedAs(
      ['header-section-too-large', 'too-many-fields', 'trailer-section-too-large', 'too-many-trailer-fields'],
      (_, r) =>
        r.headers.length > DEFAULT_LIMITS.maxHeaderCount || r.headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 2) > DEFAULT_LIMITS.maxHeaderBytes,
    ),
  },
  {
    name: 'close-wins',
    example: 'GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n',
    llhttp: 'accept',
    ours: { accept: { keepAlive: false } },
    reason:
      'RFC 9112 §9.6: a close option ends the connection whatever else the Connection field says (llhttp keeps an HTTP/1.0 connection that also says keep-alive, and llhttp 9.3, in Node 20, misses a close followed by HTAB).',
    matches: (_input, ours, llhttp) =>
      ours.verdict === 'accept' &&
      llhttp.verdict === 'accept' &&
      !ours.request.keepAlive &&
      llhttp.request.keepAlive &&
      sameRequest({ ...ours.request, keepAlive: true }, { ...llhttp.request, keepAlive: true }) &&
      fieldValues(ours.request, 'connection').some((v) => v.split(',').some((o) => o.trim().toLowerCase() === 'close')),
  },
  {
    name: 'coding-after-chunked-cut',
    example: `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked,`,
    llhttp: 'reject',
    ours: { wait: true },
    reason:
      'A Transfer-Encoding line cut after `chunked,`: llhttp refuses at the comma; we refuse when the line ends, because the bytes still to come decide which rule it breaks (`chunked, chunked` is chunked-repeated, `chunked, gzip` chunked-not-final, `chunked,` an empty element), and an answer may not depend on where the bytes were cut.',
    matches: (input, ours, llhttp) =>
      ours.verdict === 'wait' &&
      llhttp.verdict === 'reject' &&
      /TRANSFER_ENCODING/.test(llhttp.code) &&
      /\r\ntransfer-encoding:[^\r\n]*chunked[ \t]*,[^\r\n]*$/i.test(input.toString('latin1')),
  },
  {
    name: 'htab-after-framing-value',
    llhttpVersions: /^9\.3\./,
    example: `POST / HTTP/1.1\r\n${H}Content-Length: 1\t\r\n\r\na`,
    llhttp: 'reject',
    ours: { accept: { body: 'a' } },
    reason:
      'RFC 9110 §5.5 and §5.6.3: whitespace (SP or HTAB) around a field value is not part of it. llhttp 9.3 (Node 20) refuses an HTAB after a Content-Length or Transfer-Encoding value and misreads it after a Connection value; llhttp 9.4 (Node 22, 24) reads all three as we do.',
    matches: (input, ours, llhttp) => {
      if (!htabAfterFramingValue(input.toString('latin1'))) return false;
      // Accepted, or still waiting for the rest, where llhttp 9.3 has already refused.
      if (ours.verdict !== 'reject' && llhttp.verdict === 'reject') return /CONTENT_LENGTH|TRANSFER_ENCODING/.test(llhttp.code);
      // A `chunked` HTAB that llhttp 9.3 reads as another coding, so that a coding after it is not after chunked to it.
      if (ours.verdict === 'reject' && llhttp.verdict === 'accept') return ours.code === 'chunked-not-final' || ours.code === 'chunked-repeated';
      // A Connection value with an HTAB after it: llhttp 9.3 keeps a connection that says close.
      return ours.verdict === 'accept' && llhttp.verdict === 'accept' && ours.request.keepAlive !== llhttp.request.keepAlive;
    },
  },
];

/** Whether the input's head has a Content-Length, Transfer-Encoding or Connection value followed by HTAB before its CRLF. */
function htabAfterFramingValue(input: string): boolean {
  const head = input.split('\r\n\r\n')[0] ?? '';
  return /\r\n(content-length|transfer-encoding|connection):[^\r\n]*\t[ \t]*\r\n/i.test(`${head}\r\n`);
}

/** The entry that recognizes a difference, or undefined when none does (an undocumented difference). */
export function deliberateDifference(input: Buffer, ours: OurResult, llhttp: LlhttpResult): DeliberateDifference | undefined {
  return LLHTTP_DIFFERENCES.find((d) => d.matches(input, ours, llhttp));
}
