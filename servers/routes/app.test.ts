import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Response } from '../core/response.js';
import { AppError, appHandler, defineApp, loadApp } from './app.js';
import { loadRoutes } from './routes.js';

const dir = mkdtempSync(join(tmpdir(), 'cbench-app-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** An app module with this source, in a file of its own. */
function module(source: string, ext = 'mjs'): string {
  const file = join(dir, `app-${++n}.${ext}`);
  writeFileSync(file, source);
  return file;
}

const text = (r: Response) => (typeof r.body === 'string' ? r.body : r.body.toString());

describe('loading an app', () => {
  // Each bad app is refused at start-up with one line that says what to fix.
  it.each([
    ['a missing file', () => join(dir, 'nope.mjs'), /app .*nope\.mjs: no such file/],
    ['a file that is not a module', () => module('{}', 'json'), /an app is an ES module, a \.js or \.mjs file/],
    ['a module that throws as it loads', () => module("throw new Error('boom');"), /failed to load: boom/],
    ['a module that does not parse', () => module('export default {'), /failed to load: /],
    ['no default export', () => module('export const routes = {};'), /its default export has no routes \(expected export default \{ routes:/],
    ['no routes', () => module('export default { routes: {} };'), /has no routes/],
    ['a route key without a method', () => module("export default { routes: { '/hello': () => ({}) } };"), /route key "\/hello" is not 'METHOD \/path'/],
    ['a route key with a query', () => module("export default { routes: { 'GET /a?b=1': () => ({}) } };"), /route key "GET \/a\?b=1" is not 'METHOD \/path'/],
    ['a lower-case method', () => module("export default { routes: { 'get /a': () => ({}) } };"), /route key "get \/a"/],
    [
      'a route that is not a handler',
      () => module("export default { routes: { 'GET /a': 42 } };"),
      /route 'GET \/a' is neither a handler nor \{ handler, cpu\? \}/,
    ],
    [
      'a workload that is not a list',
      () => module("export default { routes: { 'GET /a': () => ({}) }, workloads: { w: {} } };"),
      /workload 'w' is not a list of requests/,
    ],
    [
      'a workload request without a path',
      () => module("export default { routes: { 'GET /a': () => ({}) }, workloads: { w: [{ method: 'GET', path: 'a' }] } };"),
      /workload 'w', request 1: path "a" does not start with \//,
    ],
    [
      'a weight of 0',
      () => module("export default { routes: { 'GET /a': () => ({}) }, workloads: { w: [{ method: 'GET', path: '/a', weight: 0 }] } };"),
      /weight 0 is not a number above 0/,
    ],
    [
      'a workload that puts HEAD beside other methods',
      () => module("export default { routes: { 'GET /a': () => ({}) }, workloads: { w: [{ method: 'HEAD', path: '/a' }, { method: 'GET', path: '/a' }] } };"),
      /workload 'w': HEAD requests cannot be mixed with other methods/,
    ],
    [
      'an expected status that is not a number',
      () => module("export default { routes: { 'GET /a': () => ({}) }, workloads: { w: [{ method: 'GET', path: '/a', expect: { status: '201' } }] } };"),
      /expect\.status "201" is not a status code/,
    ],
    [
      'an expected body that is not a string',
      () => module("export default { routes: { 'GET /a': () => ({}) }, workloads: { w: [{ method: 'GET', path: '/a', expect: { body: 5 } }] } };"),
      /expect\.body is not a string/,
    ],
    [
      'a workload name with a comma',
      () => module("export default { routes: { 'GET /a': () => ({}) }, workloads: { 'a,b': [{ method: 'GET', path: '/a' }] } };"),
      /a name is letters, digits/,
    ],
  ])('refuses %s', async (_what, file, message) => {
    const error = await loadApp(file()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('reads routes, their cpu flags and workloads, a weight of 1 when none is given', async () => {
    const file = module(
      "export default { routes: { 'GET /a': () => ({}), 'POST /b': { cpu: true, handler: () => ({}) } }, workloads: { w: [{ method: 'GET', path: '/a?x=1' }, { method: 'POST', path: '/b', body: 'hi', weight: 3 }] } };",
    );
    const app = await loadApp(file);
    expect(app.file).toBe(file);
    expect([...app.routes.values()].map((r) => [r.key, r.cpu])).toEqual([
      ['GET /a', false],
      ['POST /b', true],
    ]);
    expect(app.workloads.w?.map((r) => [r.method, r.path, r.weight])).toEqual([
      ['GET', '/a?x=1', 1],
      ['POST', '/b', 3],
    ]);
  });

  it('defineApp returns the app as it is', () => {
    const app = { routes: { 'GET /a': () => ({ status: 200, contentType: 'text/plain', body: 'a' }) } };
    expect(defineApp(app)).toBe(app);
  });
});

describe("an app's handler", () => {
  const app = defineApp({
    routes: {
      'GET /q': (req) => ({
        status: 200,
        contentType: 'text/plain',
        body: `${req.path} ${req.query.get('x')} ${req.headers.get('X-Token')} ${req.body.length}`,
      }),
      'PUT /q': () => ({ status: 204, contentType: 'text/plain', body: '' }),
      'GET /bytes': () => ({ status: 200, contentType: 'application/octet-stream', body: new Uint8Array([1, 2, 3]), headers: [['X-A', '1']] }),
      'GET /sets-length': () => ({ status: 200, contentType: 'text/plain', body: 'x', headers: { 'Content-Length': '99' } }),
      'GET /bad-header': () => ({ status: 200, contentType: 'text/plain', body: 'x', headers: { 'X-Evil': 'a\r\nb' } }),
      'GET /slow': () => new Promise((resolve) => setTimeout(() => resolve({ status: 200, contentType: 'text/plain', body: 'late' }), 200)),
      'GET /informational': () => ({ status: 101, contentType: 'text/plain', body: '' }),
      'GET /no-content': () => ({ status: 204, contentType: 'text/plain', body: 'oops' }),
      'GET /odd-headers': async () => ({ status: 200, contentType: 'text/plain', body: 'x', headers: [null] }) as never,
      'GET /named-headers': async () => ({ status: 200, contentType: 'text/plain', body: 'x', headers: [{ name: 'X-A', value: '1' }] }) as never,
      'GET /getter': () => ({
        status: 200,
        contentType: 'text/plain',
        get body(): string {
          throw new Error('no body for you');
        },
      }),
    },
  });
  const fallback = () => ({ status: 404, contentType: 'text/plain', body: 'builtin' });

  it('gets path, query, headers by any case and the body; a route it lacks goes to the built-in ones', async () => {
    const handle = appHandler({ file: 'x', routes: routesOf(app), workloads: {} }, fallback, 1_000);
    const r = (await handle({
      method: 'GET',
      target: '/q?x=7',
      body: Buffer.from('abc'),
      headers: { get: (n: string) => (n === 'x-token' ? 'tok' : undefined) },
    })) as Response;
    expect(text(r)).toBe('/q 7 tok 3');
    expect(text((await handle({ method: 'GET', target: '/elsewhere', body: Buffer.alloc(0) })) as Response)).toBe('builtin');
    const bytes = (await handle({ method: 'GET', target: '/bytes', body: Buffer.alloc(0) })) as Response;
    expect(Buffer.isBuffer(bytes.body) && [...bytes.body]).toEqual([1, 2, 3]);
    expect(bytes.headers).toEqual([['X-A', '1']]);
    // A path the app has, with a method it does not take: 405 with what it takes.
    const wrong = (await handle({ method: 'POST', target: '/q', body: Buffer.alloc(0) })) as Response;
    expect(wrong.status).toBe(405);
    expect(wrong.headers).toEqual([['Allow', 'GET, PUT, HEAD']]);
  });

  it('answers 500 for a response the server cannot write, and 503 when the handler takes longer than its timeout', async () => {
    const handle = appHandler({ file: 'x', routes: routesOf(app), workloads: {} }, fallback, 50);
    for (const target of ['/sets-length', '/bad-header', '/informational', '/no-content', '/odd-headers', '/named-headers', '/getter'])
      expect(((await handle({ method: 'GET', target, body: Buffer.alloc(0) })) as Response).status, target).toBe(500);
    const slow = (await handle({ method: 'GET', target: '/slow', body: Buffer.alloc(0) })) as Response;
    expect(slow.status).toBe(503);
    expect(text(slow)).toBe('the handler did not answer within 50 ms\n');
  });

  it('marks the routes offload sends to its pool: the built-in /cpu and the app’s routes with cpu: true, not the app’s own at /cpu', async () => {
    const file = module("export default { routes: { 'GET /report': { cpu: true, handler: () => ({}) }, 'GET /quick': () => ({}), 'POST /cpu': () => ({}) } };");
    const routes = await loadRoutes({ app: file });
    expect(routes.cpuHeavy).toEqual(['/cpu', 'GET /report']);
    expect(routes.isCpuHeavy('GET', '/report?n=1')).toBe(true);
    expect(routes.isCpuHeavy('HEAD', '/report')).toBe(true);
    expect(routes.isCpuHeavy('GET', '/quick')).toBe(false);
    expect(routes.isCpuHeavy('GET', '/cpu?iterations=5')).toBe(true);
    expect(routes.isCpuHeavy('POST', '/cpu')).toBe(false);
    expect((await loadRoutes()).isCpuHeavy('GET', '/report')).toBe(false);
  });
});

/** The routes of an app object as loadApp makes them. */
function routesOf(app: { routes: Record<string, unknown> }) {
  return new Map(
    Object.entries(app.routes).map(([key, h]) => {
      const [method = '', path = ''] = key.split(' ');
      return [key, { key, method, path, cpu: false, handler: h as never }] as const;
    }),
  );
}

describe('an app beside the built-in routes', () => {
  it('leaves a built-in route its methods where the app takes others at the same path, and 405 names both', async () => {
    const file = module("export default { routes: { 'GET /echo': () => ({ status: 200, contentType: 'text/plain', body: 'mine' }) } };");
    const { handle } = await loadRoutes({ app: file });
    const call = async (method: string) => (await handle({ method, target: '/echo', body: Buffer.from('back') })) as Response;
    expect(text(await call('GET'))).toBe('mine');
    expect(text(await call('POST'))).toBe('back');
    const neither = await call('PUT');
    expect(neither.status).toBe(405);
    expect(neither.headers).toEqual([['Allow', 'GET, HEAD, POST']]);
  });
});
