// One net.Server, one event loop, the shared core: the baseline concurrency model of Node.js.

import { CoreServer } from '../core/server.js';
import { coreOptions, routesFor, type ServerVariant } from './types.js';

export const singleLoop: ServerVariant<'single-loop'> = {
  name: 'single-loop',
  description: 'one process, one event loop, raw net sockets and the scratch HTTP/1.1 core',
  model: 'event-loop',
  usesWorkers: false,
  async start(options) {
    const { port, host, connection } = options;
    const routes = await routesFor(options);
    const server = new CoreServer(routes.handle, coreOptions(connection, routes));
    const address = await server.listen(port, host);
    return { host, port: address.port, info: {}, pids: () => [process.pid], close: (graceMs) => server.close(graceMs) };
  },
};
