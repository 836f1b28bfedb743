// The contract every server variant implements.

import { availableParallelism } from 'node:os';
import type { ConnectionOptions } from '../core/connection.js';
import { loadRoutes, type Routes, type Wait } from '../routes/routes.js';
import type { Skips } from './conformance-names.js';

/**
 * The concurrency models a variant can demonstrate: one event loop; processes (node:cluster);
 * a pool of threads that runs every request; an event loop that hands only its heavy routes to
 * a pool; one request at a time (blocking); and the baseline the others are held against (Node's
 * own node:http on one loop). Recorded with each variant in results.json, where the report's
 * findings read it: a variant added with `cbench new-variant` gets its model's findings.
 */
export const CONCURRENCY_MODELS = ['event-loop', 'multi-process', 'thread-pool', 'event-loop+pool', 'blocking', 'baseline'] as const;

/** The concurrency model a variant demonstrates. */
export type ConcurrencyModel = (typeof CONCURRENCY_MODELS)[number];

/** A setting of one variant's own, offered on the command line as `--NAME VALUE`. */
export interface VariantOption {
  /** The flag without dashes, kebab-case. */
  readonly flag: string;
  readonly description: string;
  /** Either a fixed set of values... */
  readonly choices?: readonly string[];
  /** ...or an integer in a range. */
  readonly integer?: { readonly min: number; readonly max: number };
  readonly default: string | number;
}

/** The value of one of a variant's own options: as given, or its default (declared once, on the option). */
export function optionValue(option: VariantOption, extra: ServeOptions['extra']): string | number {
  return extra?.[option.flag] ?? option.default;
}

/** The processes or threads a variant runs: as given, or one per CPU. */
export function workerCount(options: ServeOptions): number {
  return options.workers ?? availableParallelism();
}

/** What `start` is given. */
export interface ServeOptions {
  port: number;
  host: string;
  /** Processes or threads, for the variants that have them (default: workerCount(), one per CPU). */
  workers?: number;
  /** Timeouts and limits of the shared core (variants on node:http map what they can). */
  connection?: Partial<ConnectionOptions>;
  /** Values of the variant's own options, by flag, already validated. */
  extra?: Readonly<Record<string, string | number>>;
  /** An app module to serve beside the built-in routes (`--app`; an absolute path). */
  app?: string;
}

/** The core's options for these routes: the app's own methods implemented too (any other is answered 501). */
export function coreOptions(connection: Partial<ConnectionOptions> | undefined, routes: Pick<Routes, 'methods'>): Partial<ConnectionOptions> {
  return routes.methods === undefined ? (connection ?? {}) : { ...connection, methods: routes.methods };
}

/** The routes a variant serves with these options: the built-in ones and the app's, an app's handler given the core's request timeout. */
export function routesFor(options: Pick<ServeOptions, 'app' | 'connection'>, wait?: Wait): Promise<Routes> {
  return loadRoutes({ app: options.app, timeoutMs: options.connection?.requestTimeoutMs, ...(wait === undefined ? {} : { wait }) });
}

/** A variant that is up: its real address, what it runs as, and how to stop everything it started. */
export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** What the variant reports about itself: worker count, scheduling policy, pool settings. */
  readonly info: Readonly<Record<string, string | number>>;
  /** Every process serving requests (the primary first), for CPU and memory accounting. */
  pids(): number[];
  /** Stops accepting, finishes in-flight requests within graceMs, and stops every process, thread and socket it started. */
  close(graceMs?: number): Promise<void>;
}

/** One interchangeable server: a literal name, what it shows, and how to start it. */
export interface ServerVariant<Name extends string = string> {
  readonly name: Name;
  readonly description: string;
  readonly model: ConcurrencyModel;
  /** Whether `workers` means anything to it. */
  readonly usesWorkers: boolean;
  readonly options?: readonly VariantOption[];
  /** Conformance cases it does not run, each with the reason it differs. */
  readonly skips?: Skips;
  start(options: ServeOptions): Promise<RunningServer>;
}
