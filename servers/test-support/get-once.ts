// One GET on a fresh connection (no pooling), for tests where connections must not be reused.

import { httpOnce } from '../../shared/http-once.js';

/** Resolves with the status and body as text, or rejects on any socket error. */
export async function getOnce(
  port: number,
  path: string,
  timeoutMs = 5_000,
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const r = await httpOnce(`http://127.0.0.1:${port}`, path, { timeoutMs });
  return { status: r.status, body: r.body.toString(), headers: r.headers };
}
