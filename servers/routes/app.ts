// Your own app on every concurrency model: an ES module whose default export names routes
// (`'GET /hello': handler`) and, optionally, workloads that mix requests to them. Every variant
// serves it beside the built-in routes (an app's route wins where both have one), so the same
// handlers are measured on an event loop, in cluster workers, in a thread pool and blocking.
//
// This module is also what an app's author imports for types and completion:
//   import { defineApp } from 'concurrency-bench/app';

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { firstLine } from '../../shared/first-line.js';
import { INTERNAL_ERROR, type Response, textResponse } from '../core/response.js';

/** A request as an app's handler sees it. */
export interface AppRequest {
  readonly method: string;
  /** The path, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header fields by name, in any case; several lines of one name are joined with ", ". */
  readonly headers: { get(name: string): string | undefined };
  readonly body: Uint8Array;
}

/** What an app's handler returns, or resolves to. */
export interface AppResponse {
  status: number;
  contentType: string;
  /** A string is sent as UTF-8. */
  body: string | Uint8Array;
  /** Extra header fields (the server writes Server, Date, Content-Type, Content-Length and Connection itself). */
  headers?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;
}

export type AppHandler = (req: AppRequest) => AppResponse | Promise<AppResponse>;

/** A handler, or a handler with flags: `cpu: true` marks a CPU-heavy route, which `offload` runs in its thread pool. */
export type AppRoute = AppHandler | { readonly cpu?: boolean; readonly handler: AppHandler };

/** One request of an app's workload, and its weight in the mix. */
export interface AppWorkloadRequest {
  readonly method: string;
  /** Path and query, e.g. /report?n=5. */
  readonly path: string;
  readonly body?: string | Uint8Array;
  /** Any positive number, relative to the other requests' (default 1). */
  readonly weight?: number;
  /** What verification expects of the answer; without it, any 2xx with sound framing. */
  readonly expect?: { readonly status?: number; readonly body?: string };
}

/** An app: routes by `METHOD /path`, and optionally named workloads (mixes of requests). */
export interface App {
  readonly routes: Readonly<Record<string, AppRoute>>;
  readonly workloads?: Readonly<Record<string, readonly AppWorkloadRequest[]>>;
}

/** Returns the app unchanged: it is there so a TypeScript or JSDoc-checked app gets completion and checks. */
export function defineApp<const T extends App>(app: T): T {
  return app;
}

/** An app that cannot be served, with the one line that says why. */
export class AppError extends Error {}

/** A route of an app, as the harness needs to know it: no handler. */
export interface RouteOutline {
  /** `GET /hello` */
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly cpu: boolean;
}

/** A route of a loaded app. */
export interface LoadedRoute extends RouteOutline {
  readonly handler: AppHandler;
}

/** What an app declares, without its code: plain data that crosses to another thread or process. */
export interface AppOutline {
  /** Absolute path of the module. */
  readonly file: string;
  /** By `METHOD /path`. */
  readonly routes: ReadonlyMap<string, RouteOutline>;
  /** Its workloads, each request with its weight (1 when it gave none) and only the fields an app request has. */
  readonly workloads: Readonly<Record<string, ReadonlyArray<AppWorkloadRequest & { weight: number }>>>;
}

/** An app module, loaded and checked. */
export interface LoadedApp extends AppOutline {
  readonly routes: ReadonlyMap<string, LoadedRoute>;
}

const ROUTE_KEY = /^([A-Z][A-Z0-9!#$%&'*+.^_`|~-]*) (\/[^\s?#]*)$/;
/** Workload names travel in comma-separated lists and take a `@N%` heavy share. */
const WORKLOAD_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;

/**
 * Imports and checks an app module. Throws AppError with one line for a file that is missing or
 * not an ES module, a module that fails to load, one without routes, a route key that is not
 * `METHOD /path`, a route that is not a handler, or a workload that is not a list of requests.
 */
export async function loadApp(file: string): Promise<LoadedApp> {
  const path = resolve(file);
  if (!existsSync(path) || !statSync(path).isFile()) throw new AppError(`app ${file}: no such file`);
  if (!/\.(m?js)$/.test(path)) throw new AppError(`app ${file}: an app is an ES module, a .js or .mjs file`);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (e) {
    throw new AppError(`app ${file} failed to load: ${firstLine(e)}`);
  }
  const app = mod.default as Partial<App> | undefined;
  const example = "export default { routes: { 'GET /hello': (req) => ({ status: 200, contentType: 'text/plain', body: 'hello' }) } }";
  if (app === null || typeof app !== 'object' || app.routes === null || typeof app.routes !== 'object' || Object.keys(app.routes).length === 0)
    throw new AppError(`app ${file}: its default export has no routes (expected ${example})`);
  const routes = new Map<string, LoadedRoute>();
  for (const [key, route] of Object.entries(app.routes)) {
    const m = ROUTE_KEY.exec(key);
    if (m === null) throw new AppError(`app ${file}: route key ${JSON.stringify(key)} is not 'METHOD /path' (e.g. 'GET /hello', no query)`);
    const handler = typeof route === 'function' ? route : (route as { handler?: unknown } | null)?.handler;
    if (typeof handler !== 'function') throw new AppError(`app ${file}: route '${key}' is neither a handler nor { handler, cpu? }`);
    const cpu = typeof route === 'function' ? false : (route as { cpu?: unknown }).cpu === true;
    routes.set(key, { key, method: m[1] as string, path: m[2] as string, cpu, handler: handler as AppHandler });
  }
  const workloads: Record<string, Array<AppWorkloadRequest & { weight: number }>> = {};
  for (const [name, list] of Object.entries(app.workloads ?? {})) {
    const where = `app ${file}: workload '${name}'`;
    if (!WORKLOAD_NAME.test(name)) throw new AppError(`${where}: a name is letters, digits and . _ : / - (no spaces, commas or @)`);
    if (!Array.isArray(list) || list.length === 0) throw new AppError(`${where} is not a list of requests ({ method, path, weight })`);
    workloads[name] = list.map((r: Partial<AppWorkloadRequest> | null, i) => {
      const at = `${where}, request ${i + 1}`;
      if (r === null || typeof r !== 'object') throw new AppError(`${at} is not { method, path, weight }`);
      if (typeof r.method !== 'string' || !/^[A-Z][A-Z0-9-]*$/.test(r.method))
        throw new AppError(`${at}: method ${JSON.stringify(r.method)} is not an upper-case token`);
      if (typeof r.path !== 'string' || !/^\/\S*$/.test(r.path))
        throw new AppError(`${at}: path ${JSON.stringify(r.path)} does not start with / (or holds a space)`);
      const weight = r.weight ?? 1;
      if (typeof weight !== 'number' || !(weight > 0) || !Number.isFinite(weight))
        throw new AppError(`${at}: weight ${JSON.stringify(r.weight)} is not a number above 0`);
      if (r.body !== undefined && typeof r.body !== 'string' && !(r.body instanceof Uint8Array))
        throw new AppError(`${at}: body is neither a string nor bytes`);
      const expect = r.expect as { status?: unknown; body?: unknown } | undefined;
      if (expect !== undefined && (expect === null || typeof expect !== 'object')) throw new AppError(`${at}: expect is not { status?, body? }`);
      const status = expect?.status;
      if (status !== undefined && !(typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599))
        throw new AppError(`${at}: expect.status ${JSON.stringify(status)} is not a status code (an integer from 100 to 599)`);
      if (expect?.body !== undefined && typeof expect.body !== 'string') throw new AppError(`${at}: expect.body is not a string`);
      return {
        method: r.method,
        path: r.path,
        weight,
        ...(r.body === undefined ? {} : { body: r.body }),
        ...(expect === undefined
          ? {}
          : { expect: { ...(status === undefined ? {} : { status }), ...(expect.body === undefined ? {} : { body: expect.body as string }) } }),
      };
    });
    // Whether a response has a body is known per connection of the load generator, not per request.
    const heads = (workloads[name] ?? []).filter((r) => r.method === 'HEAD').length;
    if (heads > 0 && heads < list.length) throw new AppError(`${where}: HEAD requests cannot be mixed with other methods`);
  }
  return { file: path, routes, workloads };
}

/** A request, as the routes get it from any variant. */
export interface RawRequest {
  readonly method: string;
  readonly target: string;
  readonly body: Uint8Array;
  /** Header fields by lower-case name. */
  readonly headers?: { get(lowerName: string): string | undefined };
}

const NO_HEADERS = { get: () => undefined };
/** Fields the server writes itself: a handler that sets one gets a 500 rather than a response with two. */
const SERVER_FIELDS = new Set(['content-length', 'content-type', 'transfer-encoding', 'connection', 'date', 'server']);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** What went wrong in a route is printed once per route and process, not once per request. */
const reported = new Set<string>();
function report(key: string, what: string): void {
  if (reported.has(key)) return;
  reported.add(key);
  process.stderr.write(`app: ${key} ${what} (said once per route)\n`);
}

/** An app's answer as the core writes it, or why it cannot be written. */
function toResponse(r: unknown): Response | string {
  if (r === null || typeof r !== 'object') return `returned ${r === null ? 'null' : typeof r}, not { status, contentType, body }`;
  const { status, contentType, body, headers } = r as Partial<AppResponse>;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599)
    return `returned status ${JSON.stringify(status)}, not an integer from 200 to 599`;
  if ((status === 204 || status === 304) && (typeof body === 'string' || body instanceof Uint8Array) && body.length > 0)
    return `returned a body with status ${status}, which has none (RFC 9110 §15.3.5, §15.4.5)`;
  if (typeof contentType !== 'string' || !FIELD_VALUE.test(contentType)) return `returned contentType ${JSON.stringify(contentType)}, not a header value`;
  let bytes: string | Buffer;
  if (typeof body === 'string') bytes = body;
  else if (body instanceof Uint8Array) bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  else return `returned a body that is neither a string nor bytes (${typeof body})`;
  if (headers === undefined) return { status, contentType, body: bytes };
  if (headers === null || typeof headers !== 'object') return 'returned headers that are neither an object nor a list of [name, value] pairs';
  const list: unknown[] = Array.isArray(headers) ? headers : Object.entries(headers);
  const fields: Array<readonly [string, string]> = [];
  for (const entry of list) {
    const [name, value] = Array.isArray(entry) && entry.length === 2 ? (entry as unknown[]) : [];
    if (typeof name !== 'string' || !TOKEN.test(name) || typeof value !== 'string' || !FIELD_VALUE.test(value))
      return `returned a header that is not a valid [name, value] field: ${JSON.stringify(entry)}`;
    if (SERVER_FIELDS.has(name.toLowerCase())) return `set the ${name} header, which the server writes itself`;
    fields.push([name, value]);
  }
  return { status, contentType, body: bytes, headers: fields };
}

/** 503 for a handler that did not answer in time: the server is fine, the handler is stuck. */
function timedOut(ms: number): Response {
  return textResponse(503, `the handler did not answer within ${ms} ms\n`);
}

/**
 * The handler of an app's routes, with `fallback` (the built-in routes) for every request the app
 * has no route for. A handler that throws or rejects, or returns something that is not a
 * response, is answered 500 and reported once on stderr; one that does not resolve within
 * `timeoutMs` is answered 503, and what it resolves to later is dropped.
 */
export function appHandler<R extends RawRequest>(
  app: LoadedApp,
  fallback: (req: R) => Response | Promise<Response>,
  timeoutMs: number,
): (req: R) => Response | Promise<Response> {
  const methodsByPath = new Map<string, string[]>();
  for (const r of app.routes.values()) methodsByPath.set(r.path, [...(methodsByPath.get(r.path) ?? []), r.method]);
  return (req) => {
    const q = req.target.indexOf('?');
    const path = q === -1 ? req.target : req.target.slice(0, q);
    const route = app.routes.get(`${req.method} ${path}`) ?? (req.method === 'HEAD' ? app.routes.get(`GET ${path}`) : undefined);
    if (route === undefined) {
      const builtin = fallback(req);
      const methods = methodsByPath.get(path);
      // A method the app lacks at its path goes to the built-in route there, if any; where
      // neither takes it, 405 names what both take.
      if (methods === undefined || builtin instanceof Promise || (builtin.status !== 404 && builtin.status !== 405)) return builtin;
      const theirs = builtin.status === 405 ? (builtin.headers?.find(([n]) => n === 'Allow')?.[1].split(', ') ?? []) : [];
      const allow = new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : []), ...theirs]);
      return textResponse(405, 'Method Not Allowed\n', [['Allow', [...allow].join(', ')]]);
    }
    const headers = req.headers ?? NO_HEADERS;
    const request: AppRequest = {
      method: req.method,
      path,
      query: new URLSearchParams(q === -1 ? '' : req.target.slice(q + 1)),
      headers: { get: (name) => headers.get(name.toLowerCase()) },
      body: req.body,
    };
    const settle = (r: unknown): Response => {
      let res: Response | string;
      try {
        res = toResponse(r);
      } catch (e) {
        // A response whose getters throw: the handler's fault, not a reason to stop serving.
        res = `returned a response that could not be read (${firstLine(e)})`;
      }
      if (typeof res !== 'string') return res;
      report(route.key, `${res}; answered 500`);
      return INTERNAL_ERROR;
    };
    const fail = (e: unknown): Response => {
      let why: string;
      try {
        why = firstLine(e);
      } catch {
        why = 'a value that cannot be printed';
      }
      report(route.key, `threw: ${why}; answered 500`);
      return INTERNAL_ERROR;
    };
    let out: unknown;
    try {
      out = route.handler(request);
    } catch (e) {
      return fail(e);
    }
    if (typeof (out as PromiseLike<unknown> | null)?.then !== 'function') return settle(out);
    const pending = out as PromiseLike<unknown>;
    return new Promise<Response>((done) => {
      const timer = setTimeout(() => {
        report(route.key, `did not answer within ${timeoutMs} ms; answered 503`);
        done(timedOut(timeoutMs));
      }, timeoutMs);
      pending.then(
        (r) => {
          clearTimeout(timer);
          done(settle(r));
        },
        (e: unknown) => {
          clearTimeout(timer);
          done(fail(e));
        },
      );
    });
  };
}
