// The response writer: one head string per response, built from pieces cached across requests.

import { STATUS_CODES } from 'node:http';

/** What a handler returns: everything the wire needs, nothing about sockets. */
export interface Response {
  status: number;
  contentType: string;
  /** A string is sent as UTF-8. */
  body: string | Buffer;
  /** Extra header fields, e.g. `Allow` on a 405. */
  headers?: ReadonlyArray<readonly [string, string]>;
}

/** The `Server` field every variant sends, so a verifier can check them all alike. */
export const SERVER_NAME = 'cbench';

/** How the response tells the client about the connection: nothing (HTTP/1.1 staying open), close, or keep-alive (an HTTP/1.0 client that asked). */
export type ConnectionHeader = 0 | 1 | 2;
export const CONN_NONE = 0;
export const CONN_CLOSE = 1;
export const CONN_KEEP_ALIVE = 2;

let cachedDate: string | undefined;

/**
 * The current time as an IMF-fixdate (RFC 9110 §5.6.7), computed at most once a second: the
 * cache is cleared by a timer at the next second boundary rather than checked per response.
 */
export function httpDate(): string {
  if (cachedDate === undefined) {
    const now = Date.now();
    cachedDate = new Date(now).toUTCString();
    setTimeout(clearDate, 1000 - (now % 1000)).unref();
  }
  return cachedDate;
}

function clearDate(): void {
  cachedDate = undefined;
}

const statusLines = new Map<number, string>();

function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\nServer: ${SERVER_NAME}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

const CONNECTION_LINES = ['', 'Connection: close\r\n', 'Connection: keep-alive\r\n'] as const;

/** The response head, from the status line to the empty line. */
export function responseHead(res: Response, bodyLength: number, connection: ConnectionHeader): string {
  // 204 and 304 have no body, and a 204 may not carry Content-Length (RFC 9110 §8.6).
  const length = res.status === 204 || res.status === 304 ? '' : `Content-Length: ${bodyLength}\r\n`;
  let head = `${statusLine(res.status)}Date: ${httpDate()}\r\nContent-Type: ${res.contentType}\r\n${length}`;
  if (res.headers !== undefined) for (const [name, value] of res.headers) head += `${name}: ${value}\r\n`;
  return `${head}${CONNECTION_LINES[connection]}\r\n`;
}

/**
 * The bytes of a whole response: one string when the body is a string (one write, one copy into
 * the socket), or the head and the body buffer side by side.
 */
export function serializeResponse(res: Response, connection: ConnectionHeader, omitBody: boolean): string | [string, Buffer] {
  if (typeof res.body === 'string') {
    const head = responseHead(res, Buffer.byteLength(res.body), connection);
    return omitBody ? head : head + res.body;
  }
  const head = responseHead(res, res.body.length, connection);
  return omitBody || res.body.length === 0 ? head : [head, res.body];
}

/** A plain-text response, as used for errors. */
export function textResponse(status: number, text: string, headers?: ReadonlyArray<readonly [string, string]>): Response {
  return headers === undefined
    ? { status, contentType: 'text/plain; charset=utf-8', body: text }
    : { status, contentType: 'text/plain; charset=utf-8', body: text, headers };
}

/** What a handler that threw or rejected is answered with. */
export const INTERNAL_ERROR: Response = Object.freeze(textResponse(500, 'Internal Server Error\n'));

/** The interim response that lets an Expect: 100-continue client send its body (RFC 9110 §15.2.1). */
export const CONTINUE_RESPONSE = 'HTTP/1.1 100 Continue\r\n\r\n';
