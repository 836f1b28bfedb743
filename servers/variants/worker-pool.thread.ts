// Runs one request's handler in a piscina worker thread; the thread loads the routes (and the app,
// when there is one) once, as it starts.

import { workerData } from 'piscina';
import type { Response } from '../core/response.js';
import { loadRoutes } from '../routes/routes.js';
import type { PoolRequest, PoolResponse, PoolWorkerData } from './worker-pool.js';

const data = (workerData ?? {}) as PoolWorkerData;
const { handle } = await loadRoutes({ app: data.app, timeoutMs: data.timeoutMs });

export default async function run(req: PoolRequest): Promise<PoolResponse> {
  const body = Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength);
  const fields = req.headers;
  const headers = fields === undefined ? undefined : { get: (name: string) => joined(fields, name) };
  const res: Response = await handle({ method: req.method, target: req.target, body, ...(headers === undefined ? {} : { headers }) });
  return { status: res.status, contentType: res.contentType, body: res.body, ...(res.headers === undefined ? {} : { headers: res.headers }) };
}

/** The value of a lower-case name among [name, value] pairs; several joined with ", " (RFC 9110 §5.3). */
function joined(fields: ReadonlyArray<[string, string]>, lowerName: string): string | undefined {
  let found: string | undefined;
  for (const [n, v] of fields) if (n.toLowerCase() === lowerName) found = found === undefined ? v : `${found}, ${v}`;
  return found;
}
