// The routes every variant serves. A handler takes a parsed request and returns (or resolves to)
// a response; it knows nothing about sockets, so the same function runs on the event loop, in a
// cluster worker or in a worker thread.

import { DEFAULT_CONNECTION_OPTIONS } from '../core/connection.js';
import { STANDARD_METHODS } from '../core/head-scanner.js';
import { type Response, textResponse } from '../core/response.js';
import { appHandler, type LoadedApp, loadApp } from './app.js';
import { cpuWork, DEFAULT_CPU_ITERATIONS, MAX_CPU_ITERATIONS } from './cpu.js';

/** What a route needs from a request. */
export interface RouteRequest {
  readonly method: string;
  /** The request-target as sent (origin-form or absolute-form). */
  readonly target: string;
  readonly body: Buffer;
  /** Header fields by lower-case name; only an app's handlers read them. */
  readonly headers?: { get(lowerName: string): string | undefined };
}

/** How a handler waits for simulated I/O: on a timer, or (the blocking model) by stalling the thread. */
export type Wait = (ms: number) => Response | Promise<Response>;

export const PLAINTEXT_BODY = 'Hello, World!';
export const DEFAULT_IO_MS = 10;
export const MAX_IO_MS = 60_000;

const GET_ONLY: ReadonlyArray<readonly [string, string]> = [['Allow', 'GET, HEAD']];
const POST_ONLY: ReadonlyArray<readonly [string, string]> = [['Allow', 'POST']];

const plaintext: Response = { status: 200, contentType: 'text/plain', body: PLAINTEXT_BODY };

/**
 * The routes whose own work is CPU-bound (not waiting on I/O): the ones a model that keeps its
 * event loop for sockets, parsing and quick handlers sends to other threads (offload). Declared
 * here, beside the routes, so no variant keeps a list of its own.
 */
export const CPU_HEAVY_PATHS: ReadonlySet<string> = new Set(['/cpu']);

/** The routes a variant serves: the built-in ones, and an app's (`--app`) beside them. */
export interface Routes {
  readonly handle: (req: RouteRequest) => Response | Promise<Response>;
  /** Whether a request is for a CPU-heavy route: a built-in one (CPU_HEAVY_PATHS) or an app's marked `cpu: true`. */
  isCpuHeavy(method: string, target: string): boolean;
  /** The CPU-heavy routes: built-in paths (`/cpu`, any method) and an app's route keys (`GET /report`). */
  readonly cpuHeavy: readonly string[];
  /** The app module served, or null: an app's handlers may read headers, so a variant that sends requests to other threads sends them too. */
  readonly app: string | null;
  /** The methods an app's routes take beyond the standard ones (the parser answers any other with 501); undefined when there are none. */
  readonly methods: ReadonlySet<string> | undefined;
}

/** How a variant's routes are made. */
export interface RoutesOptions {
  /** An app module to serve beside the built-in routes. */
  app?: string | undefined;
  /** How long an app's handler may take before the request is answered 503 (default: the core's request timeout). */
  timeoutMs?: number | undefined;
  /** How /io waits. */
  wait?: Wait;
}

/**
 * Whether a request goes to a CPU-heavy route: the app's route that would answer it (HEAD by its
 * GET, as appHandler dispatches), when it has one, says so by its `cpu` flag; otherwise a built-in
 * path in CPU_HEAVY_PATHS is. Offload sends requests by it; a workload's heavy share counts by it.
 */
export function isCpuHeavyRoute(app: { readonly routes: ReadonlyMap<string, { readonly cpu: boolean }> } | null, method: string, target: string): boolean {
  const { path } = splitTarget(target);
  const route = app === null ? undefined : (app.routes.get(`${method} ${path}`) ?? (method === 'HEAD' ? app.routes.get(`GET ${path}`) : undefined));
  return route === undefined ? CPU_HEAVY_PATHS.has(path) : route.cpu;
}

/** The methods of an app's routes that are not standard ones, or undefined when there are none. */
function extraMethods(app: LoadedApp | null): ReadonlySet<string> | undefined {
  const extra = new Set([...(app?.routes.values() ?? [])].map((r) => r.method).filter((m) => !STANDARD_METHODS.has(m)));
  return extra.size === 0 ? undefined : extra;
}

/** The routes, with an app's when one is given (loaded and checked here, in each process or thread that serves it). */
export async function loadRoutes(options: RoutesOptions = {}): Promise<Routes> {
  const builtin = createHandler(options.wait);
  const app = options.app === undefined ? null : await loadApp(options.app);
  return routesOf(builtin, app, options.timeoutMs ?? DEFAULT_CONNECTION_OPTIONS.requestTimeoutMs);
}

function routesOf(builtin: Routes['handle'], app: LoadedApp | null, timeoutMs: number): Routes {
  const heavyApp = new Set(app === null ? [] : [...app.routes.values()].filter((r) => r.cpu).map((r) => r.key));
  return {
    handle: app === null ? builtin : appHandler(app, builtin, timeoutMs),
    isCpuHeavy: (method, target) => isCpuHeavyRoute(app, method, target),
    cpuHeavy: [...CPU_HEAVY_PATHS, ...heavyApp],
    app: app?.file ?? null,
    methods: extraMethods(app),
  };
}

/** Waits on a timer: the event loop is free meanwhile. */
export const timerWait: Wait = (ms) => new Promise((resolve) => setTimeout(() => resolve(ioResponse(ms)), ms));

/** The /io answer once the wait is over. */
export function ioResponse(ms: number): Response {
  return { status: 200, contentType: 'application/json', body: JSON.stringify({ waitedMs: ms }) };
}

/** Builds the route handler; `wait` decides how /io waits. */
export function createHandler(wait: Wait = timerWait): (req: RouteRequest) => Response | Promise<Response> {
  return (req) => {
    const { path, query } = splitTarget(req.target);
    const read = req.method === 'GET' || req.method === 'HEAD';
    switch (path) {
      case '/plaintext':
        return read ? plaintext : methodNotAllowed(GET_ONLY);
      case '/json':
        return read ? { status: 200, contentType: 'application/json', body: JSON.stringify({ message: PLAINTEXT_BODY }) } : methodNotAllowed(GET_ONLY);
      case '/cpu': {
        if (!read) return methodNotAllowed(GET_ONLY);
        const iterations = intParam(query, 'iterations', DEFAULT_CPU_ITERATIONS, 0, MAX_CPU_ITERATIONS);
        if (iterations === undefined) return textResponse(400, `iterations must be an integer from 0 to ${MAX_CPU_ITERATIONS}\n`);
        const result = cpuWork(iterations).toString(16).padStart(8, '0');
        return { status: 200, contentType: 'application/json', body: JSON.stringify({ iterations, result }) };
      }
      case '/io': {
        if (!read) return methodNotAllowed(GET_ONLY);
        const ms = intParam(query, 'ms', DEFAULT_IO_MS, 0, MAX_IO_MS);
        if (ms === undefined) return textResponse(400, `ms must be an integer from 0 to ${MAX_IO_MS}\n`);
        return wait(ms);
      }
      case '/echo':
        return req.method === 'POST' ? { status: 200, contentType: 'application/octet-stream', body: req.body } : methodNotAllowed(POST_ONLY);
      default:
        return textResponse(404, 'Not Found\n');
    }
  };
}

function methodNotAllowed(allow: ReadonlyArray<readonly [string, string]>): Response {
  return textResponse(405, 'Method Not Allowed\n', allow);
}

/** The path and query of an origin-form or absolute-form target (RFC 9112 §3.2). */
export function splitTarget(target: string): { path: string; query: string } {
  let start = 0;
  if (target.charCodeAt(0) !== 0x2f) {
    // absolute-form: skip "scheme://authority"; the path starts at the next "/" (or is empty)
    const authority = target.indexOf('//');
    const slash = authority === -1 ? -1 : target.indexOf('/', authority + 2);
    if (slash === -1) {
      const q = target.indexOf('?');
      return { path: '/', query: q === -1 ? '' : target.slice(q + 1) };
    }
    start = slash;
  }
  const q = target.indexOf('?', start);
  return q === -1 ? { path: start === 0 ? target : target.slice(start), query: '' } : { path: target.slice(start, q), query: target.slice(q + 1) };
}

/** An integer query parameter within [min, max], the default when absent, undefined when invalid. */
function intParam(query: string, name: string, fallback: number, min: number, max: number): number | undefined {
  if (query === '') return fallback;
  const raw = new URLSearchParams(query).get(name);
  if (raw === null) return fallback;
  if (!/^\d{1,10}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
}
