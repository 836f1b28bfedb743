// Every way the parser refuses a request, as data: a stable code, the status it is answered with,
// the reason sent in the response body, and the rule it enforces. Tests name the code they
// expect (as llhttp's test cases name the error reason), so input rejected by the wrong rule
// fails a test even when the status happens to be the same.

/** The rules, by code. */
export const PARSE_ERRORS = {
  // Line endings: RFC 9112 §2.2.
  'bare-lf': { status: 400, reason: 'bare LF: lines must end with CRLF', rule: '9112 §2.2' },
  'bare-cr': { status: 400, reason: 'bare CR: lines must end with CRLF', rule: '9112 §2.2' },
  'empty-lines-before-request': { status: 400, reason: 'more than one empty line before the request line', rule: '9112 §2.2' },

  // Request line: RFC 9112 §3.
  'method-empty': { status: 400, reason: 'empty method', rule: '9112 §3.1' },
  'method-char': { status: 400, reason: 'invalid character in method', rule: '9112 §3.1' },
  'method-not-implemented': { status: 501, reason: 'method not implemented', rule: '9110 §9.1' },
  'request-line-incomplete': { status: 400, reason: 'missing request-target and HTTP version', rule: '9112 §3' },
  'target-empty': { status: 400, reason: 'empty request-target or extra whitespace', rule: '9112 §3' },
  'target-char': { status: 400, reason: 'invalid character in request-target', rule: '9112 §3.2' },
  'target-form': { status: 400, reason: 'request-target is neither origin-form nor absolute-form', rule: '9112 §3.2' },
  'asterisk-not-options': { status: 400, reason: 'asterisk-form is only for OPTIONS', rule: '9112 §3.2.4' },
  'connect-unsupported': { status: 501, reason: 'CONNECT is not supported', rule: '9112 §3.2.3' },
  'version-missing': { status: 400, reason: 'missing HTTP version', rule: '9112 §3' },
  'version-invalid': { status: 400, reason: 'invalid HTTP version', rule: '9112 §2.3' },
  'version-unsupported': { status: 505, reason: 'HTTP version not supported', rule: '9110 §15.6.6' },
  'request-line-too-long': { status: 414, reason: 'request line too long', rule: '9110 §15.5.15' },

  // Field lines: RFC 9112 §5, RFC 9110 §5.
  'whitespace-before-fields': { status: 400, reason: 'whitespace before the first header field', rule: '9112 §2.2' },
  'obs-fold': { status: 400, reason: 'obsolete line folding', rule: '9112 §5.2' },
  'field-name-empty': { status: 400, reason: 'empty header field name', rule: '9112 §5' },
  'field-name-char': { status: 400, reason: 'invalid character in header field name', rule: '9110 §5.1' },
  'field-name-whitespace': { status: 400, reason: 'whitespace between header field name and colon', rule: '9112 §5.1' },
  'field-no-colon': { status: 400, reason: 'header field without a colon', rule: '9112 §5' },
  'field-value-nul': { status: 400, reason: 'NUL in header field value', rule: '9110 §5.5' },
  'field-value-char': { status: 400, reason: 'control character in header field value', rule: '9110 §5.5' },
  'too-many-fields': { status: 431, reason: 'too many header fields', rule: '6585 §5 (limit)' },
  'header-section-too-large': { status: 431, reason: 'header section too large', rule: '6585 §5 (limit)' },

  // Fields that frame the message: RFC 9110 §7.2, §8.6, §10.1.1; RFC 9112 §6.
  'host-missing': { status: 400, reason: 'HTTP/1.1 request without Host', rule: '9112 §3.2' },
  'host-repeated': { status: 400, reason: 'more than one Host', rule: '9112 §3.2' },
  'host-invalid': { status: 400, reason: 'invalid Host', rule: '9110 §7.2' },
  'content-length-empty': { status: 400, reason: 'empty Content-Length', rule: '9110 §8.6' },
  'content-length-invalid': { status: 400, reason: 'invalid Content-Length', rule: '9110 §8.6' },
  'content-length-repeated': { status: 400, reason: 'more than one Content-Length field', rule: '9110 §8.6' },
  'content-length-too-large': { status: 413, reason: 'Content-Length exceeds the body limit', rule: '9110 §15.5.14 (limit)' },
  'transfer-encoding-empty': { status: 400, reason: 'empty Transfer-Encoding', rule: '9112 §6.1' },
  'transfer-encoding-invalid': { status: 400, reason: 'invalid Transfer-Encoding', rule: '9112 §6.1' },
  'transfer-encoding-empty-element': { status: 400, reason: 'empty element in Transfer-Encoding', rule: '9110 §5.6.1' },
  'transfer-encoding-http10': { status: 400, reason: 'Transfer-Encoding in an HTTP/1.0 request', rule: '9112 §6.1' },
  'transfer-encoding-with-content-length': { status: 400, reason: 'both Transfer-Encoding and Content-Length', rule: '9112 §6.3' },
  'chunked-not-final': { status: 400, reason: 'chunked is not the final transfer coding', rule: '9112 §6.3' },
  'chunked-repeated': { status: 400, reason: 'chunked applied more than once', rule: '9112 §6.1' },
  'transfer-coding-unsupported': { status: 501, reason: 'unsupported transfer coding', rule: '9112 §6.1' },
  'expectation-unsupported': { status: 417, reason: 'unsupported expectation', rule: '9110 §10.1.1' },

  // Chunked body: RFC 9112 §7.1.
  'chunk-size-invalid': { status: 400, reason: 'invalid chunk size', rule: '9112 §7.1' },
  'chunk-extension-invalid': { status: 400, reason: 'invalid chunk size or extension', rule: '9112 §7.1.1' },
  'chunk-line-too-long': { status: 413, reason: 'chunk size line too long', rule: '9112 §7.1.1 (limit)' },
  'chunk-extensions-too-long': { status: 413, reason: 'chunk extensions too long', rule: '9112 §7.1.1 (limit)' },
  'chunked-body-too-large': { status: 413, reason: 'chunked body exceeds the body limit', rule: '9110 §15.5.14 (limit)' },
  // The parser cannot tell a chunk longer than its size from one shorter: either way the bytes
  // where the CRLF belongs are something else.
  'chunk-data-no-crlf': { status: 400, reason: 'chunk data not followed by CRLF: longer or shorter than its size', rule: '9112 §7.1' },
  'trailer-invalid': { status: 400, reason: 'invalid trailer field', rule: '9112 §7.1.2' },
  'trailer-value-char': { status: 400, reason: 'invalid character in trailer field value', rule: '9112 §7.1.2' },
  'trailer-framing-field': { status: 400, reason: 'Content-Length or Transfer-Encoding in the trailers', rule: '9110 §6.5.1' },
  'too-many-trailer-fields': { status: 431, reason: 'too many header and trailer fields', rule: '9112 §7.1.2 (limit)' },
  'trailer-section-too-large': { status: 431, reason: 'trailer section too large', rule: '9112 §7.1.2 (limit)' },

  /** Not from the input: the connection went away and dropped the parser. */
  destroyed: { status: 400, reason: 'parser destroyed', rule: '-' },
} as const satisfies Record<string, { status: 400 | 413 | 414 | 417 | 431 | 501 | 505; reason: string; rule: string }>;

/** Why a request was refused: a key of PARSE_ERRORS. */
export type ParseErrorCode = keyof typeof PARSE_ERRORS;

/** Input the parser refuses: the rule it broke, and the status and reason to answer with. */
export class ParseError<Code extends ParseErrorCode = ParseErrorCode> {
  readonly kind = 'error' as const;
  readonly status: (typeof PARSE_ERRORS)[Code]['status'];
  readonly reason: string;
  constructor(readonly code: Code) {
    this.status = PARSE_ERRORS[code].status;
    this.reason = PARSE_ERRORS[code].reason;
  }
}
