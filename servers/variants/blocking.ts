// The classic blocking server, simulated: accept → recv → handle → sendall → close, one
// connection at a time and one request per connection. Connections that arrive meanwhile wait
// (paused, as in a listen backlog). Handlers block the thread: /io sleeps with Atomics.wait and
// /cpu runs inline. Same parser, routes and connection handler as single-loop; only the model differs.

import { createServer, type Socket } from 'node:net';
import { Connection, DEFAULT_CONNECTION_OPTIONS } from '../core/connection.js';
import { listen } from '../core/server.js';
import { ioResponse, type Wait } from '../routes/routes.js';
import { coreOptions, routesFor, type ServerVariant } from './types.js';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Stalls the whole thread for ms, as a blocking read from a slow backend would. */
const blockingWait: Wait = (ms) => {
  Atomics.wait(sleeper, 0, 0, ms);
  return ioResponse(ms);
};

export const blocking: ServerVariant<'blocking'> = {
  name: 'blocking',
  description: 'one connection at a time, one request per connection, handlers that block the thread',
  model: 'blocking',
  usesWorkers: false,
  skips: {
    'keep-alive': 'one request per connection: every response says Connection: close',
    'pipelining in request order': 'one request per connection: requests after the first are never read',
    'a valid request pipelined before a bad one is answered': 'one request per connection: only the first request is read',
    'HTTP/1.0 keep-alive': 'one request per connection: keep-alive is never granted',
    'idle keep-alive timeout': 'no connection is ever kept alive',
  },
  async start(serve) {
    const { port, host, connection } = serve;
    const routes = await routesFor(serve, blockingWait);
    const options = { ...DEFAULT_CONNECTION_OPTIONS, ...coreOptions(connection, routes), maxRequestsPerConnection: 1 };
    const handler = routes.handle;
    const waiting: Socket[] = [];
    let busy = false;
    let closing = false;
    let current: Connection | null = null;

    const next = () => {
      busy = false;
      current = null;
      for (let socket = waiting.shift(); socket !== undefined; socket = waiting.shift()) {
        if (socket.destroyed) continue;
        if (closing) {
          socket.destroy();
          continue;
        }
        busy = true;
        let done = false;
        // sendall → close: move on once the response is handed to the kernel, as a blocking
        // server does after close(), without waiting for the client to close its side.
        const finish = () => {
          if (done) return;
          done = true;
          next();
        };
        socket.once('finish', finish);
        socket.once('close', finish);
        current = new Connection(socket, handler, options);
        socket.resume();
        return;
      }
    };

    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (socket) => {
      socket.on('error', () => {});
      waiting.push(socket);
      if (!busy) next();
    });
    const address = await listen(server, port, host);
    return {
      host,
      port: address.port,
      info: {},
      pids: () => [process.pid],
      close: (graceMs = 3_000) =>
        new Promise<void>((resolve) => {
          closing = true;
          // Connections still in the backlog were never accepted by the application: reset them.
          for (const s of waiting.splice(0)) s.destroy();
          current?.shutdown();
          const force = setTimeout(() => current?.destroy(), graceMs);
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
        }),
    };
  },
};
