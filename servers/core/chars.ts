// Byte classes from RFC 9110 §5.6 and RFC 9112, as 256-entry lookup tables so the
// parser's hot loops are one indexed load per byte.

/** Byte values the parser names. */
export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
export const SEMI = 0x3b;
export const COMMA = 0x2c;
export const EQUALS = 0x3d;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;

function table(accept: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = accept(c) ? 1 : 0;
  return t;
}

/** ALPHA (RFC 5234): A-Z, a-z. A position past the end of a buffer (undefined) is none. */
export function isAlpha(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));
}

/** DIGIT (RFC 5234): 0-9. */
export function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** tchar (RFC 9110 §5.6.2): what a method, header name or coding name is made of. */
export const TOKEN = table((c) => isAlpha(c) || isDigit(c) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)));

/** field-content bytes (RFC 9110 §5.5): VCHAR, obs-text, SP and HTAB; never CR, LF, NUL or another CTL. */
export const FIELD_VALUE = table((c) => c === HTAB || (c >= 0x20 && c !== 0x7f));

/**
 * request-target bytes: visible ASCII (RFC 9112 §3.2, RFC 3986 §2: a URI is ASCII; other bytes
 * must be percent-encoded). Raw bytes from 0x80 up are refused, as llhttp refuses them.
 */
export const TARGET = table((c) => c > 0x20 && c < 0x7f);

/** qdtext (RFC 9110 §5.6.4). */
export const QDTEXT = table((c) => c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) || c >= 0x80);

/** The bytes a quoted-pair may escape (RFC 9110 §5.6.4). */
export const QUOTABLE = table((c) => c === HTAB || (c >= 0x20 && c !== 0x7f));

/**
 * reg-name bytes of a Host value (RFC 3986 §3.2.2), less the comma: a comma is a sub-delim there,
 * but in a Host field it can only mean two hosts were joined into a list. The ":" before a port
 * is not among them; the port is checked apart.
 */
export const HOST = table((c) => isAlpha(c) || isDigit(c) || "-._~%!$&'()*+;=".includes(String.fromCharCode(c)));

/** What HEX_VALUE holds for a byte that is not HEXDIG. */
export const NOT_HEX = 255;

/** Hex digit values, or NOT_HEX. */
export const HEX_VALUE = (() => {
  const t = new Uint8Array(256).fill(NOT_HEX);
  for (let c = 0; c < 256; c++) {
    if (isDigit(c)) t[c] = c - 0x30;
    else if (c >= 0x41 && c <= 0x46) t[c] = c - 0x41 + 10;
    else if (c >= 0x61 && c <= 0x66) t[c] = c - 0x61 + 10;
  }
  return t;
})();

/** ASCII lower-casing; other bytes map to themselves. */
export const LOWER = (() => {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  return t;
})();
