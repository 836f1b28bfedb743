// The parser's size limits, in a module of their own: the request parser, the head scanner, the
// connection layer and the variants that configure another parser (node-http) all read them.

/** Size limits, each answered with its own status when exceeded. */
export interface ParserLimits {
  /** Longest request line, CRLF excluded (414). */
  maxRequestLineBytes: number;
  /** Largest header section after the request line, final CRLF included (431); the trailer section has the same limit. */
  maxHeaderBytes: number;
  /** Most header lines in one request (431). Trailers count too. */
  maxHeaderCount: number;
  /** Largest body, decided from Content-Length before reading, and while decoding chunks (413). */
  maxBodyBytes: number;
  /** Most bytes of chunk extensions in one request (413). */
  maxChunkExtensionBytes: number;
}

/** The limits used when none are given. */
export const DEFAULT_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxRequestLineBytes: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxBodyBytes: 1024 * 1024,
  maxChunkExtensionBytes: 4 * 1024,
});
