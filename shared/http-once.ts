// One request on a fresh connection (no pooling), as the harness's verification and the tests need.

import { request } from 'node:http';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function httpOnce(origin: string, path: string, opts: { method?: string; body?: Buffer; timeoutMs?: number } = {}): Promise<HttpReply> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: opts.method ?? 'GET',
        agent: false,
        headers: { connection: 'close', ...(opts.body === undefined ? {} : { 'content-length': String(opts.body.length) }) },
        timeout: opts.timeoutMs ?? 5_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 5_000} ms`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
