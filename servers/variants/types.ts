// The contract every server variant implements.

import type { ConnectionOptions } from '../core/connection.js';

/** The concurrency model a variant demonstrates. */
export type ConcurrencyModel = 'event-loop' | 'multi-process' | 'thread-pool' | 'blocking' | 'node-http';

/** What `start` is given. */
export interface ServeOptions {
  port: number;
  host: string;
  /** Processes or threads, for the variants that have them. */
  workers?: number;
  /** Timeouts and limits of the shared core (variants on node:http map what they can). */
  connection?: Partial<ConnectionOptions>;
}

/** A variant that is up: its real address, and how to stop everything it started. */
export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** Stops accepting, finishes in-flight requests within graceMs, and stops every process, thread and socket it started. */
  close(graceMs?: number): Promise<void>;
}

/** One interchangeable server: a literal name, what it shows, and how to start it. */
export interface ServerVariant<Name extends string = string> {
  readonly name: Name;
  readonly description: string;
  readonly model: ConcurrencyModel;
  start(options: ServeOptions): Promise<RunningServer>;
}
