// Runs one request's handler in a piscina worker thread.

import type { Response } from '../core/response.js';
import { createHandler } from '../routes/routes.js';
import type { PoolRequest, PoolResponse } from './worker-pool.js';

const handle = createHandler();

export default async function run(req: PoolRequest): Promise<PoolResponse> {
  const body = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
  const res: Response = await handle({ method: req.method, target: req.target, body });
  return { status: res.status, contentType: res.contentType, body: res.body, ...(res.headers === undefined ? {} : { headers: res.headers }) };
}
