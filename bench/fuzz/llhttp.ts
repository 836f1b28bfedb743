// Node's own llhttp, driven in-process through the binding node:http uses, with no lenient flags
// (strict: what `node --insecure-http-parser` would relax stays refused).

import { createRequire } from 'node:module';
import type { LlhttpResult, ParsedRequest } from '../../servers/core/llhttp-differences.js';

const require = createRequire(import.meta.url);

/** The part of node:http's llhttp binding driven here (the module ships no types). */
interface LlhttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenientFlags: number): void;
  execute(input: Buffer): number | (Error & { code?: string; reason?: string; bytesParsed?: number });
  [callback: number]: (...args: never[]) => unknown;
}
const { HTTPParser, methods } = require('node:_http_common') as {
  HTTPParser: {
    new (): LlhttpParser;
    REQUEST: number;
    kOnMessageBegin: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
    kLenientNone: number;
  };
  methods: readonly string[];
};

/**
 * llhttp's method numbers (its `llhttp_method` enum: HTTP, then the RTSP and other protocols'
 * methods it also knows). The binding hands the number, not the name.
 */
/** Methods llhttp knows from protocols other than HTTP (the HTTP/2 preface, RTSP), in its enum order. */
export const OTHER_PROTOCOL_METHODS: readonly string[] = [
  'PRI',
  'DESCRIBE',
  'ANNOUNCE',
  'SETUP',
  'PLAY',
  'PAUSE',
  'TEARDOWN',
  'GET_PARAMETER',
  'SET_PARAMETER',
  'REDIRECT',
  'RECORD',
  'FLUSH',
];

const METHOD_NAMES: readonly string[] = [
  'DELETE',
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'COPY',
  'LOCK',
  'MKCOL',
  'MOVE',
  'PROPFIND',
  'PROPPATCH',
  'SEARCH',
  'UNLOCK',
  'BIND',
  'REBIND',
  'UNBIND',
  'ACL',
  'REPORT',
  'MKACTIVITY',
  'CHECKOUT',
  'MERGE',
  'M-SEARCH',
  'NOTIFY',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'PATCH',
  'PURGE',
  'MKCALENDAR',
  'LINK',
  'UNLINK',
  'SOURCE',
  ...OTHER_PROTOCOL_METHODS,
  'QUERY',
];

// The binding's own list holds the HTTP methods in enum order up to SOURCE; if a Node release
// renumbers them, say so rather than compare methods under wrong names.
for (let i = 0; i < 34; i++) {
  if (methods[i] !== METHOD_NAMES[i]) throw new Error(`llhttp's method ${i} is ${methods[i]}, not ${METHOD_NAMES[i]}: update METHOD_NAMES`);
}

/** No limit of Node's own on the header section (its default is 16 KiB): llhttp alone decides. */
const NO_HEADER_LIMIT = 0x7fffffff;

/** Every request llhttp completed from an input, in order, and how the input ended. */
export interface LlhttpRun {
  readonly requests: Array<Extract<LlhttpResult, { verdict: 'accept' }>>;
  /** After the last complete request: a refusal, or nothing more (the rest is incomplete or empty). */
  readonly end: Extract<LlhttpResult, { verdict: 'reject' | 'wait' }>;
}

/** One llhttp parser, reused from input to input (initialize() resets it, as node:http's pool does). */
export class Llhttp {
  private readonly parser = new HTTPParser();
  private requests: LlhttpRun['requests'] = [];
  private headers: string[] = [];
  private url = '';
  private head: Omit<ParsedRequest, 'body'> | null = null;
  private upgrade = false;
  private body: Buffer[] = [];

  constructor() {
    const p = this.parser;
    p[HTTPParser.kOnMessageBegin] = () => {
      this.headers = [];
      this.url = '';
      this.body = [];
    };
    // More than 32 field lines, or trailers: the binding hands them over in batches before or
    // after kOnHeadersComplete.
    p[HTTPParser.kOnHeaders] = ((headers: string[], url: string) => {
      if (this.head !== null) return; // trailers: validated by llhttp, compared by no one
      this.headers.push(...headers);
      this.url += url;
    }) as (...args: never[]) => unknown;
    p[HTTPParser.kOnHeadersComplete] = ((
      versionMajor: number,
      versionMinor: number,
      headers: string[] | undefined,
      method: number,
      url: string | undefined,
      _statusCode: unknown,
      _statusMessage: unknown,
      upgrade: boolean,
      shouldKeepAlive: boolean,
    ) => {
      const all = headers === undefined ? this.headers : [...this.headers, ...headers];
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i + 1 < all.length; i += 2) pairs.push([all[i] as string, all[i + 1] as string]);
      this.head = {
        method: METHOD_NAMES[method] ?? `#${method}`,
        target: this.url + (url ?? ''),
        version: `${versionMajor}.${versionMinor}`,
        headers: pairs,
        keepAlive: shouldKeepAlive,
      };
      this.upgrade = upgrade;
      return 0;
    }) as (...args: never[]) => unknown;
    p[HTTPParser.kOnBody] = ((b: Buffer) => {
      this.body.push(Buffer.from(b));
    }) as (...args: never[]) => unknown;
    p[HTTPParser.kOnMessageComplete] = () => {
      if (this.head !== null)
        this.requests.push({ verdict: 'accept', request: { ...this.head, body: Buffer.concat(this.body).toString('latin1') }, upgrade: this.upgrade });
      this.head = null;
    };
    p[HTTPParser.kOnExecute] = () => {};
  }

  /** Parses one input from a fresh state. */
  run(input: Buffer): LlhttpRun {
    this.parser.initialize(HTTPParser.REQUEST, {}, NO_HEADER_LIMIT, HTTPParser.kLenientNone);
    this.requests = [];
    this.head = null;
    const r = this.parser.execute(input);
    const requests = this.requests;
    this.requests = [];
    if (r instanceof Error) return { requests, end: { verdict: 'reject', code: r.code ?? 'HPE_UNKNOWN', reason: r.reason ?? r.message } };
    return { requests, end: { verdict: 'wait' } };
  }
}

/** The result for request `i` of a run. */
export function llhttpResultAt(run: LlhttpRun, i: number): LlhttpResult {
  return run.requests[i] ?? run.end;
}
