// node:cluster: a primary forks N worker processes, each running the core on the shared port.
// The primary serves nothing itself; it hands out connections (round-robin) or lets the kernel
// do it, and replaces workers that die.

import nodeCluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:net';
import { builtModule } from '../../shared/built.js';
import type { ConnectionOptions } from '../core/connection.js';
import { listen } from '../core/server.js';
import { optionValue, type RunningServer, routesFor, type ServerVariant, type VariantOption, workerCount } from './types.js';

/** What a worker is started with (as its one argument, in JSON). */
export interface ClusterWorkerConfig {
  port: number;
  host: string;
  connection?: Partial<ConnectionOptions>;
  /** The app module each worker imports, if any. */
  app?: string;
}

/** Primary to worker. */
export type PrimaryMessage = { type: 'shutdown'; graceMs: number };
/** Worker to primary. */
export type WorkerMessage = { type: 'listening'; port: number };

/** A worker dying sooner than this after its start counts toward the crash-loop backoff. */
const STABLE_AFTER_MS = 10_000;
const MAX_BACKOFF_MS = 5_000;

const SCHEDULE: VariantOption = {
  flag: 'schedule',
  description: 'how connections reach workers: rr (round-robin by the primary) or os (the kernel decides)',
  choices: ['rr', 'os'],
  default: 'rr',
};

export const cluster: ServerVariant<'cluster'> = {
  name: 'cluster',
  description: 'node:cluster: N processes, each one event loop on the scratch core, sharing one port',
  model: 'multi-process',
  usesWorkers: true,
  options: [SCHEDULE],
  async start(options) {
    const { port, host, connection, extra, app } = options;
    // Each worker loads the app itself; loading it here first makes a bad one fail with its own
    // message rather than as workers that exit before listening.
    if (app !== undefined) await routesFor(options);
    const workers = workerCount(options);
    const schedule = optionValue(SCHEDULE, extra) === 'os' ? 'os' : 'rr';
    // Fixed at the first fork for the life of the process, so a second start cannot change it.
    nodeCluster.schedulingPolicy = schedule === 'rr' ? nodeCluster.SCHED_RR : nodeCluster.SCHED_NONE;
    const exec = builtModule(import.meta.url, 'cluster.child');
    const live = new Set<Worker>();
    let stopping = false;
    // The primary shares one listening handle per address and port. Workers asking for port 0
    // would all share the handle keyed ":0", and so would a second cluster started in the same
    // process; so port 0 is resolved to a free port here, and every worker asks for that one.
    const realPort = port === 0 ? await freePort(host) : port;
    let failures = 0;
    let restarts = 0;
    const replacing = new Set<NodeJS.Timeout>();

    const fork = (): Promise<number> => {
      nodeCluster.setupPrimary({
        exec,
        args: [JSON.stringify({ port: realPort, host, connection, ...(app === undefined ? {} : { app }) } satisfies ClusterWorkerConfig)],
      });
      const worker = nodeCluster.fork();
      const startedAt = Date.now();
      live.add(worker);
      const listening = new Promise<number>((resolve, reject) => {
        worker.on('message', (m: WorkerMessage) => {
          if (m.type === 'listening') resolve(m.port);
        });
        worker.once('exit', (code, signal) => reject(new Error(`cluster worker exited (${signal ?? code}) before listening`)));
      });
      worker.once('exit', () => {
        live.delete(worker);
        if (stopping) return;
        // Replace it; back off while workers keep dying young, so a crash loop does not spin.
        failures = Date.now() - startedAt < STABLE_AFTER_MS ? failures + 1 : 0;
        const delay = Math.min(MAX_BACKOFF_MS, 50 * 2 ** failures);
        // Not unref'd: with its last worker gone the primary holds no other handle (the shared
        // listening handle closes with the last worker that used it), and an unref'd timer let it
        // exit there instead of replacing the worker. close() clears it.
        const timer = setTimeout(() => {
          replacing.delete(timer);
          if (stopping) return;
          restarts++;
          fork().catch(() => {}); // its own exit schedules the next try
        }, delay);
        replacing.add(timer);
      });
      return listening;
    };

    try {
      await Promise.all(Array.from({ length: workers }, () => fork()));
    } catch (e) {
      stopping = true;
      for (const t of replacing) clearTimeout(t);
      replacing.clear();
      for (const w of live) w.process.kill('SIGKILL');
      throw e;
    }

    const server: RunningServer = {
      host,
      port: realPort,
      get info() {
        return { workers, schedule, restarts };
      },
      pids: () => [process.pid, ...[...live].map((w) => w.process.pid).filter((p): p is number => p !== undefined)],
      close: async (graceMs = 3_000) => {
        stopping = true;
        for (const t of replacing) clearTimeout(t);
        replacing.clear();
        const exits = [...live].map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              const kill = setTimeout(() => w.process.kill('SIGKILL'), graceMs + 2_000);
              w.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              try {
                w.send({ type: 'shutdown', graceMs } satisfies PrimaryMessage);
              } catch {
                w.process.kill('SIGKILL');
              }
            }),
        );
        await Promise.all(exits);
      },
    };
    return server;
  },
};

/** A port nothing listens on right now, from the kernel. */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  const { port } = await listen(probe, 0, host);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
