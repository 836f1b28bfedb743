// Verify before measuring (as TechEmpower's toolset does): a server that answers wrongly is not
// benchmarked, and the report says why.

import { randomBytes } from 'node:crypto';
import { cpuWork } from '../../servers/routes/cpu.js';
import { type HttpReply, httpOnce } from '../../shared/http-once.js';
import { workloads as builtinWorkloads, type Catalog, resolveWorkload, type WorkloadName } from '../plan/scenarios.js';

/** The outcome: every failed check, in words. */
export interface Verification {
  ok: boolean;
  failures: string[];
  /** Not checked at all (--no-verify): the run measured whatever the server answered. */
  skipped?: boolean;
}

/** What to check: everything a variant must do (the default), or, for a server the suite did not start, only the chosen workloads' answers. */
export interface VerifyScope {
  /** Check only these workloads' routes (status, framing, and the body where the suite knows it), not the suite's headers, 404 and clock. */
  workloads?: readonly string[];
  /** On a variant, checked in full, also these workloads' requests to routes that are not built-in (an app's). */
  also?: readonly string[];
  /** What the workload names stand for (default: the built-in workloads). */
  catalog?: Catalog;
  /** Built-in routes an app answers in their place (`GET /json`): their built-in checks are left out. */
  claimed?: ReadonlySet<string>;
}

/** The built-in route each built-in check is of. */
const BUILTIN_ROUTES: Record<'plaintext' | 'json' | 'cpu' | 'io' | 'echo', string> = {
  plaintext: 'GET /plaintext',
  json: 'GET /json',
  cpu: 'GET /cpu',
  io: 'GET /io',
  echo: 'POST /echo',
};
const BUILTIN_KEYS = new Set(Object.values(BUILTIN_ROUTES));

/** `GET /cpu` for GET /cpu?iterations=5. */
function routeKey(method: string, path: string): string {
  const q = path.indexOf('?');
  return `${method} ${q === -1 ? path : path.slice(0, q)}`;
}

const REQUIRED = ['server', 'date', 'content-type', 'content-length'];

export async function verifyServer(origin: string, scope: VerifyScope = {}): Promise<Verification> {
  const only = scope.workloads;
  const catalog = scope.catalog ?? builtinWorkloads;
  const claimed = scope.claimed ?? new Set<string>();
  const requestsOf = (names: readonly string[]) => names.flatMap((n) => resolveWorkload(n, catalog).requests);
  const used = new Set(requestsOf(only ?? []).map((r) => routeKey(r.method, r.path)));
  const wanted = (w: Extract<WorkloadName, keyof typeof BUILTIN_ROUTES>) =>
    !claimed.has(BUILTIN_ROUTES[w]) && (only === undefined || used.has(BUILTIN_ROUTES[w]));
  // Requests to any other route (an app's, or one it claims) are checked one by one, for what they expect.
  const others = requestsOf(only ?? scope.also ?? []).filter((r) => {
    const key = routeKey(r.method, r.path);
    return !BUILTIN_KEYS.has(key) || claimed.has(key);
  });
  const failures: string[] = [];
  const fail = (what: string): undefined => {
    failures.push(what);
  };
  const get = (path: string) => httpOnce(origin, path).catch((e: Error) => fail(`GET ${path}: ${e.message}`));

  const expectReply = (r: HttpReply | undefined, what: string, status: number, type: string): r is HttpReply => {
    if (r === undefined) return false;
    if (r.status !== status) fail(`${what}: status ${r.status}, expected ${status}`);
    // Another server's headers are its own business; its framing and bodies are not.
    if (only === undefined) {
      for (const h of REQUIRED) if (r.headers[h] === undefined) fail(`${what}: no ${h} header`);
      if (r.headers['content-type'] !== type) fail(`${what}: Content-Type ${String(r.headers['content-type'])}, expected ${type}`);
    }
    if (Number(r.headers['content-length']) !== r.body.length)
      fail(`${what}: Content-Length ${String(r.headers['content-length'])} for a ${r.body.length}-byte body`);
    return true;
  };
  const json = (r: HttpReply, what: string): unknown => {
    try {
      return JSON.parse(r.body.toString());
    } catch {
      fail(`${what}: body is not JSON: ${r.body.toString().slice(0, 60)}`);
      return undefined;
    }
  };

  const echoBody = randomBytes(4096);
  const none = Promise.resolve(undefined);
  const [plain, js, cpuA, cpuB, io, echo, missing] = await Promise.all([
    wanted('plaintext') ? get('/plaintext') : none,
    wanted('json') ? get('/json') : none,
    wanted('cpu') ? get('/cpu?iterations=1000') : none,
    wanted('cpu') ? get('/cpu?iterations=1001') : none,
    wanted('io') ? get('/io?ms=10') : none,
    wanted('echo') ? httpOnce(origin, '/echo', { method: 'POST', body: echoBody }).catch((e: Error) => fail(`POST /echo: ${e.message}`)) : none,
    only === undefined ? get('/no-such-path') : none,
  ]);

  if (expectReply(plain, 'GET /plaintext', 200, 'text/plain') && plain.body.toString() !== 'Hello, World!') {
    fail(`GET /plaintext: body ${JSON.stringify(plain.body.toString().slice(0, 60))}`);
  }
  if (expectReply(js, 'GET /json', 200, 'application/json')) {
    const body = json(js, 'GET /json') as { message?: unknown } | undefined;
    if (body?.message !== 'Hello, World!' || Object.keys(body).length !== 1) fail(`GET /json: body ${js.body.toString().slice(0, 60)}`);
  }
  for (const [r, n] of [
    [cpuA, 1000],
    [cpuB, 1001],
  ] as const) {
    if (expectReply(r, `GET /cpu?iterations=${n}`, 200, 'application/json')) {
      const body = json(r, `GET /cpu?iterations=${n}`) as { iterations?: unknown; result?: unknown } | undefined;
      const want = cpuWork(n).toString(16).padStart(8, '0');
      if (body?.iterations !== n || body.result !== want) fail(`GET /cpu?iterations=${n}: ${r.body.toString().slice(0, 60)}, expected result ${want}`);
    }
  }
  if (expectReply(io, 'GET /io?ms=10', 200, 'application/json')) {
    const body = json(io, 'GET /io?ms=10') as { waitedMs?: unknown } | undefined;
    if (body?.waitedMs !== 10) fail(`GET /io?ms=10: body ${io.body.toString().slice(0, 60)}`);
  }
  if (expectReply(echo, 'POST /echo', 200, 'application/octet-stream') && !echo.body.equals(echoBody)) {
    fail('POST /echo: the 4 KiB random body came back changed');
  }
  if (missing !== undefined && missing.status !== 404) fail(`GET /no-such-path: status ${missing.status}, expected 404`);

  const seen = new Set<string>();
  for (const r of others) {
    const body = r.body;
    const id = `${r.method} ${r.path} ${body?.toString('base64') ?? ''}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const what = `${r.method} ${r.path}`;
    const reply = await httpOnce(origin, r.path, { method: r.method, ...(body === undefined ? {} : { body }) }).catch((e: Error) =>
      fail(`${what}: ${e.message}`),
    );
    if (reply === undefined) continue;
    const status = r.expect?.status;
    if (status === undefined ? reply.status < 200 || reply.status > 299 : reply.status !== status)
      fail(`${what}: status ${reply.status}, expected ${status ?? 'a 2xx'}${reply.status >= 500 ? ` (${reply.body.toString().trim().slice(0, 80)})` : ''}`);
    const length = reply.headers['content-length'];
    if (length !== undefined && Number(length) !== reply.body.length && r.method !== 'HEAD')
      fail(`${what}: Content-Length ${String(length)} for a ${reply.body.length}-byte body`);
    if (r.expect?.body !== undefined && reply.body.toString() !== r.expect.body)
      fail(`${what}: body ${JSON.stringify(reply.body.toString().slice(0, 60))}, expected ${JSON.stringify(r.expect.body.slice(0, 60))}`);
  }

  // The Date header must move with the clock, not be fixed at start-up.
  if (plain !== undefined && only === undefined) {
    const first = String(plain.headers.date);
    if (Math.abs(Date.parse(first) - Date.now()) > 5_000) fail(`Date ${first} is not the current time`);
    await new Promise((r) => setTimeout(r, 1_100));
    const later = await get('/plaintext');
    if (later !== undefined && String(later.headers.date) === first) fail(`Date did not change after 1.1 s: ${first}`);
  }
  return { ok: failures.length === 0, failures };
}
