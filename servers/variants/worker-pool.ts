// A worker_threads pool (piscina): the main thread owns the sockets and the parser; each
// request's handler runs in one of N threads. Pipelined responses still leave in request order,
// because the connection handler orders them whatever order the tasks finish in.

import type { AddressInfo } from 'node:net';
import { Piscina } from 'piscina';
import { builtModule } from '../../shared/built.js';
import type { Handler } from '../core/connection.js';
import { INTERNAL_ERROR, type Response, textResponse } from '../core/response.js';
import { CoreServer } from '../core/server.js';
import type { Routes } from '../routes/routes.js';
import { coreOptions, optionValue, type RunningServer, routesFor, type ServeOptions, type ServerVariant, type VariantOption, workerCount } from './types.js';

/** A request as it crosses to a worker thread. */
export interface PoolRequest {
  method: string;
  target: string;
  /** An ArrayBuffer of its own, transferred rather than copied a second time. */
  body: Uint8Array;
  /** Header fields as [name, value], only when an app is served (the built-in routes read none). */
  headers?: Array<[string, string]>;
}

/** What every thread of the pool is started with: the app to serve, if any, and its handlers' timeout. */
export interface PoolWorkerData {
  app?: string;
  timeoutMs?: number;
}

/** A response as it comes back (a Buffer body arrives as a Uint8Array). */
export interface PoolResponse {
  status: number;
  contentType: string;
  body: string | Uint8Array;
  headers?: ReadonlyArray<readonly [string, string]>;
}

const EMPTY = new Uint8Array(0);
const QUEUE_FULL = textResponse(503, 'worker pool queue is full\n', [['Retry-After', '1']]);

const TASKS_PER_WORKER: VariantOption = {
  flag: 'tasks-per-worker',
  description: 'tasks one thread runs at once; above 1 lets /io waits overlap in a thread (piscina concurrentTasksPerWorker)',
  integer: { min: 1, max: 1024 },
  default: 1,
};

export const MAX_QUEUE: VariantOption = {
  flag: 'max-queue',
  description: 'tasks waiting for a thread before requests are answered 503 (piscina maxQueue)',
  integer: { min: 1, max: 1_000_000 },
  default: 1024,
};

// piscina's default puts a task it could not dispatch back at the tail of its queue, so under
// saturation some tasks are passed over again and again: with 1 thread and 64 connections on
// /cpu, p99 1.1 s, max 6.2 s, one connection served 41 times while another was served 270;
// stricterFIFO gave p99 77 ms and 154-155 for every connection.
export const QUEUE: VariantOption = {
  flag: 'queue',
  description:
    'order of tasks waiting for a thread: fifo (piscina stricterFIFO) or piscina (its default, which sends a task it could not dispatch to the back, so under saturation some connections starve for seconds)',
  choices: ['fifo', 'piscina'],
  default: 'fifo',
};

export const workerPool: ServerVariant<'worker-pool'> = {
  name: 'worker-pool',
  description: 'one event loop for sockets and parsing; every handler runs in a piscina pool of N worker threads',
  model: 'thread-pool',
  usesWorkers: true,
  options: [TASKS_PER_WORKER, MAX_QUEUE, QUEUE],
  async start(options) {
    const tasksPerWorker = Number(optionValue(TASKS_PER_WORKER, options.extra));
    // The threads run the handlers; this thread needs of the routes only the methods they take.
    const routes = await routesFor(options);
    const { pool, handler, info } = startPool(options, tasksPerWorker);
    return servePool(options, routes, pool, handler, { workers: info.workers, tasksPerWorker, maxQueue: info.maxQueue, queue: info.queue });
  },
};

/** Serves `handler` on the shared core with `pool` beside it: the pool is destroyed if listening fails, and on close after the server. */
export async function servePool(
  { port, host, connection }: ServeOptions,
  routes: Pick<Routes, 'methods'>,
  pool: Piscina<PoolRequest, PoolResponse>,
  handler: Handler,
  info: RunningServer['info'],
): Promise<RunningServer> {
  const server = new CoreServer(handler, coreOptions(connection, routes));
  let address: AddressInfo;
  try {
    address = await server.listen(port, host);
  } catch (e) {
    await pool.destroy();
    throw e;
  }
  return {
    host,
    port: address.port,
    info,
    pids: () => [process.pid],
    close: async (graceMs) => {
      await server.close(graceMs);
      await pool.destroy();
    },
  };
}

/**
 * A pool of `workerCount(options)` threads that run the routes (worker-pool.thread.ts; each loads
 * the app, when there is one, itself), with the
 * queue the options ask for, and a handler that sends a request to it: what worker-pool runs every
 * handler in and offload runs its CPU-heavy routes in.
 */
export function startPool(
  options: ServeOptions,
  tasksPerWorker: number,
): { pool: Piscina<PoolRequest, PoolResponse>; handler: Handler; info: { workers: number; maxQueue: number; queue: 'fifo' | 'piscina' } } {
  const workers = workerCount(options);
  const maxQueue = Number(optionValue(MAX_QUEUE, options.extra));
  const queue = optionValue(QUEUE, options.extra) === 'piscina' ? 'piscina' : 'fifo';
  const withHeaders = options.app !== undefined;
  const pool = new Piscina<PoolRequest, PoolResponse>({
    filename: builtModule(import.meta.url, 'worker-pool.thread'),
    workerData: { app: options.app, timeoutMs: options.connection?.requestTimeoutMs } satisfies PoolWorkerData,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: tasksPerWorker,
    maxQueue,
    stricterFIFO: queue === 'fifo',
    // Threads that block in Atomics.wait between tasks cannot run several async tasks at once.
    atomics: tasksPerWorker > 1 ? 'async' : 'sync',
    idleTimeout: Infinity,
  });
  const handler: Handler = (req) => {
    // A body that is a view into a socket chunk would be cloned whole (the entire chunk), so
    // copy just its bytes into a buffer of its own and transfer that.
    const body = req.body.length === 0 ? EMPTY : new Uint8Array(req.body);
    const task: PoolRequest = withHeaders
      ? { method: req.method, target: req.target, body, headers: req.headers.entries() }
      : { method: req.method, target: req.target, body };
    return pool
      .run(task, { transferList: body.length === 0 ? [] : [body.buffer] })
      .then(fromPool, (e: Error) => (/queue is at limit/i.test(e.message) ? QUEUE_FULL : INTERNAL_ERROR));
  };
  return { pool, handler, info: { workers, maxQueue, queue } };
}

function fromPool(r: PoolResponse): Response {
  const body = typeof r.body === 'string' ? r.body : Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  return r.headers === undefined
    ? { status: r.status, contentType: r.contentType, body }
    : { status: r.status, contentType: r.contentType, body, headers: r.headers };
}
