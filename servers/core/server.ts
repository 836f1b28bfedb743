// A net.Server that hands each socket to a Connection, and closes gracefully.

import { type AddressInfo, createServer, type Server } from 'node:net';
import { Connection, type ConnectionOptions, DEFAULT_CONNECTION_OPTIONS, type Handler } from './connection.js';

/** Starts listening on host:port; resolves with the real address (port 0 picks a free port), rejects if the port is taken. */
export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** A listening server built on the core. */
export class CoreServer {
  readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly options: ConnectionOptions;

  constructor(handler: Handler, options: Partial<ConnectionOptions> = {}) {
    this.options = { ...DEFAULT_CONNECTION_OPTIONS, ...options };
    const forget = (c: Connection) => this.connections.delete(c);
    // allowHalfOpen: a client may send its request and FIN at once and still read the answer.
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.connections.add(new Connection(socket, handler, this.options, forget));
    });
  }

  /** Starts listening; resolves with the real address (port 0 picks a free port). */
  listen(port: number, host: string): Promise<AddressInfo> {
    return listen(this.server, port, host);
  }

  /** How many connections are open. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting, lets in-flight requests finish (each connection closes after its last
   * response), and after graceMs drops whatever is still open.
   */
  close(graceMs = 3_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.shutdown();
    const force = setTimeout(() => {
      for (const c of this.connections) c.destroy();
    }, graceMs);
    return closed.finally(() => clearTimeout(force));
  }
}
