// The same routes and headers on node:http: the baseline a user would otherwise pick.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { DEFAULT_CONNECTION_OPTIONS } from '../core/connection.js';
import { DEFAULT_LIMITS } from '../core/limits.js';
import { INTERNAL_ERROR, type Response, SERVER_NAME, textResponse } from '../core/response.js';
import { listen } from '../core/server.js';
import type { RouteRequest } from '../routes/routes.js';
import { routesFor, type ServerVariant } from './types.js';

export const nodeHttp: ServerVariant<'node-http'> = {
  name: 'node-http',
  description: "node:http with the same routes and headers: Node's own parser (llhttp) and server",
  model: 'baseline',
  usesWorkers: false,
  skips: {
    'a valid request pipelined before a bad one is answered':
      'node:http answers a parse error at once and closes, dropping the response to a valid request pipelined before the bad bytes in the same packet',
    limits:
      'node:http counts the request line in maxHeaderSize, so an over-long target is 431, not 414; and it answers an unsupported transfer coding with 400, not 501',
    'no looser than llhttp': 'node:http is llhttp, the parser this case holds the core to; it answers a method it does not know with 400, not 501',
  },
  async start(options) {
    const { port, host, connection = {} } = options;
    const opts = { ...DEFAULT_CONNECTION_OPTIONS, ...connection };
    const maxBody = opts.limits.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes;
    const { handle } = await routesFor(options);
    const server = createServer(
      {
        keepAliveTimeout: opts.keepAliveTimeoutMs,
        // node:http refuses a headers timeout longer than the request timeout; the core's is the same then.
        headersTimeout: Math.min(opts.headersTimeoutMs, opts.requestTimeoutMs),
        requestTimeout: opts.requestTimeoutMs,
        maxHeaderSize: opts.limits.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes,
        // node:http checks its timeouts on an interval; tighten it when the timeouts are short.
        connectionsCheckingInterval: Math.max(50, Math.min(30_000, opts.headersTimeoutMs / 4)),
      },
      (req, res) => receive(req, res, maxBody, handle),
    );
    server.maxHeadersCount = opts.limits.maxHeaderCount ?? DEFAULT_LIMITS.maxHeaderCount;
    const address = await listen(server, port, host);
    return {
      host,
      port: address.port,
      info: {},
      pids: () => [process.pid],
      close: (graceMs = 3_000) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), graceMs).unref();
        }),
    };
  },
};

type Handle = (req: RouteRequest) => Response | Promise<Response>;

function receive(req: IncomingMessage, res: ServerResponse, maxBody: number, handle: Handle): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBody) {
    send(res, textResponse(413, 'Content-Length exceeds the body limit\n'), true);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBody && !refused) {
      refused = true;
      send(res, textResponse(413, 'body exceeds the body limit\n'), true);
    }
    if (!refused) chunks.push(chunk);
  });
  req.on('end', () => {
    if (refused) return;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
    let result: Response | Promise<Response>;
    try {
      result = handle({ method: req.method ?? 'GET', target: req.url ?? '/', body, headers: { get: (name) => headerValue(req, name) } });
    } catch {
      result = INTERNAL_ERROR;
    }
    if (result instanceof Promise)
      result.then(
        (r) => send(res, r, false),
        () => send(res, INTERNAL_ERROR, false),
      );
    else send(res, result, false);
  });
}

/** A header's value by lower-case name, several lines joined with ", " as the core joins them. */
function headerValue(req: IncomingMessage, lowerName: string): string | undefined {
  const v = req.headers[lowerName];
  return Array.isArray(v) ? v.join(', ') : v;
}

function send(res: ServerResponse, r: Response, close: boolean): void {
  if (res.destroyed || res.headersSent) return;
  const length = typeof r.body === 'string' ? Buffer.byteLength(r.body) : r.body.length;
  const headers: Array<[string, string]> = [
    ['Server', SERVER_NAME],
    ['Content-Type', r.contentType],
  ];
  // As the core: 204 and 304 have no body, and a 204 may not carry Content-Length.
  if (r.status !== 204 && r.status !== 304) headers.push(['Content-Length', String(length)]);
  if (r.headers !== undefined) for (const [n, v] of r.headers) headers.push([n, v]);
  if (close) headers.push(['Connection', 'close']);
  res.writeHead(r.status, headers.flat());
  res.end(r.body);
}
