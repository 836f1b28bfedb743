// The model experts deploy: one event loop owns the sockets, the parser and every quick or
// I/O-bound handler; only the CPU-heavy routes (routes.ts's CPU_HEAVY_PATHS) run in a piscina pool
// of N threads, first in first out. A fast request then never waits behind a slow one on the
// loop, and pays no thread hop of its own (worker-pool sends every request across).

import type { Handler } from '../core/connection.js';
import { routesFor, type ServerVariant } from './types.js';
import { MAX_QUEUE, QUEUE, servePool, startPool } from './worker-pool.js';

export const offload: ServerVariant<'offload'> = {
  name: 'offload',
  description: 'one event loop for sockets, parsing and quick handlers; only CPU-heavy routes run in a piscina pool of N threads',
  model: 'event-loop+pool',
  usesWorkers: true,
  options: [MAX_QUEUE, QUEUE],
  async start(options) {
    // CPU-bound tasks: a thread runs one at a time.
    const routes = await routesFor(options);
    const { pool, handler: inPool, info } = startPool(options, 1);
    const handler: Handler = (req) => (routes.isCpuHeavy(req.method, req.target) ? inPool(req) : routes.handle(req));
    return servePool(options, routes, pool, handler, { ...info, offloads: routes.cpuHeavy.map((r) => r.replace(' ', ':')).join(',') });
  },
};
