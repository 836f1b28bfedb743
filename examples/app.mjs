// @ts-check
// An app of your own, served by every concurrency model:
//   npx cbench serve --variant offload --app examples/app.mjs --port 8080
//   npx cbench bench --app examples/app.mjs            (its workloads, on every variant)
//
// A handler gets { method, path, query, headers, body } and returns (or resolves to)
// { status, contentType, body, headers? }. `cpu: true` marks a CPU-heavy route: the offload
// variant runs only those in its thread pool.

import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A report whose cost grows with n: n × 40 rounds of hashing over a 64 KiB buffer (n = 5 is about 10 ms).
 * @param {number} n
 */
function buildReport(n) {
  const data = Buffer.alloc(64 * 1024, 7);
  let digest = '';
  for (let i = 0; i < n * 40; i++) digest = createHash('sha256').update(data).update(digest).digest('hex');
  return { rounds: n, digest };
}

/** @type {import('concurrency-bench/app').App} */
export default {
  routes: {
    'GET /hello': () => ({ status: 200, contentType: 'text/plain', body: 'hello' }),
    'GET /report': {
      cpu: true,
      handler: (req) => {
        const n = Number(req.query.get('n') ?? '5');
        if (!Number.isInteger(n) || n < 1 || n > 1000) return { status: 400, contentType: 'text/plain', body: 'n must be an integer from 1 to 1000\n' };
        return { status: 200, contentType: 'application/json', body: JSON.stringify(buildReport(n)) };
      },
    },
    'POST /upper': async (req) => ({ status: 200, contentType: 'text/plain', body: Buffer.from(req.body).toString().toUpperCase() }),
    'GET /user': async (req) => {
      // A database call, simulated: the event loop is free while it waits.
      await sleep(5);
      return { status: 200, contentType: 'application/json', body: JSON.stringify({ id: req.query.get('id'), agent: req.headers.get('user-agent') ?? null }) };
    },
  },
  workloads: {
    'my-mix': [
      { method: 'GET', path: '/hello', weight: 80, expect: { body: 'hello' } },
      { method: 'GET', path: '/user?id=7', weight: 15 },
      { method: 'GET', path: '/report?n=5', weight: 5 },
    ],
    upper: [{ method: 'POST', path: '/upper', body: 'make me loud', expect: { body: 'MAKE ME LOUD' } }],
  },
};
