// One cluster worker: the shared core on the port the primary shares, until told to stop.

import { CoreServer } from '../core/server.js';
import type { ClusterWorkerConfig, PrimaryMessage, WorkerMessage } from './cluster.js';
import { coreOptions, routesFor } from './types.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ClusterWorkerConfig;
const routes = await routesFor(config);
const server = new CoreServer(routes.handle, coreOptions(config.connection, routes));
const send = (m: WorkerMessage) => process.send?.(m);

let stopping = false;
const stop = (graceMs: number) => {
  if (stopping) return;
  stopping = true;
  server.close(graceMs).then(() => process.exit(0));
};

// Ctrl-C reaches the whole process group; the primary decides when workers stop.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => stop(3_000));
// A primary that died without telling us: stop too, rather than serve orphaned.
process.on('disconnect', () => stop(1_000));
process.on('message', (m: PrimaryMessage) => {
  if (m.type === 'shutdown') stop(m.graceMs);
});

const address = await server.listen(config.port, config.host);
send({ type: 'listening', port: address.port });
