// The model experts deploy: one event loop owns the sockets, the parser and every quick or
// I/O-bound handler; only the CPU-heavy routes (routes.ts's CPU_HEAVY_PATHS) run in a piscina pool
// of N threads, first in first out. A fast request then never waits behind a slow one on the
// loop, and pays no thread hop of its own (worker-pool sends every request across).

import type { Handler } from '../core/connection.js';
import { CPU_HEAVY_PATHS, createHandler, isCpuHeavy } from '../routes/routes.js';
import type { ServerVariant } from './types.js';
import { MAX_QUEUE, QUEUE, servePool, startPool } from './worker-pool.js';

export const offload: ServerVariant<'offload'> = {
  name: 'offload',
  description: 'one event loop for sockets, parsing and quick handlers; only CPU-heavy routes run in a piscina pool of N threads',
  model: 'offload',
  usesWorkers: true,
  options: [MAX_QUEUE, QUEUE],
  async start(options) {
    // CPU-bound tasks: a thread runs one at a time.
    const { pool, handler: inPool, info } = startPool(options, 1);
    const inline = createHandler();
    const handler: Handler = (req) => (isCpuHeavy(req.target) ? inPool(req) : inline(req));
    return servePool(options, pool, handler, { ...info, offloads: [...CPU_HEAVY_PATHS].join(' ') });
  },
};
