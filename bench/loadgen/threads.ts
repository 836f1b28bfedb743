// A run in N worker threads of one generator process, each with an event loop of its own, as wrk
// runs one per thread: the run cut into N equal segments (segment.ts), one a thread, started
// together once every thread's connections have answered their first request, and their reports
// merged into the whole run's (merge.ts). Each thread reads the whole process's CPU; the merge
// takes the largest of those readings, not their sum.

import { Worker } from 'node:worker_threads';
import { builtModule } from '../../shared/built.js';
import type { LoadOptions, LoadReport } from './engine.js';
import { mergeReports } from './merge.js';
import { partOf, shareOf, WHOLE } from './segment.js';

/** What a thread says: its connections are ready, its report, or why it failed. */
export type ThreadMessage = { type: 'ready' } | { type: 'report'; report: LoadReport } | { type: 'error'; message: string };

/** At most this many threads: more than any machine this suite runs on has cores for one generator. */
export const MAX_THREADS = 64;

/** The whole run's report, from `threads` threads each running its equal segment of `options` (of its own segment, when it has one). */
export async function runThreads(
  options: Omit<LoadOptions, 'startGate'>,
  threads: number,
  /** Waited for once every thread is ready, before they start: a remote agent's gate (hosts.ts). */
  outerGate: () => Promise<void> = async () => {},
): Promise<{ report: LoadReport; perThread: number[] }> {
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) throw new Error(`threads: a whole number from 1 to ${MAX_THREADS}, got ${threads}`);
  const outer = options.segment ?? WHOLE;
  // The threads' segments cut the run's own segment in equal parts, their bounds exact.
  const parts = Array.from({ length: threads }, (_, i) => partOf(outer, i, threads));
  for (const [i, s] of parts.entries()) {
    const { lo, hi } = shareOf(options.connections, s);
    if (hi <= lo)
      throw new Error(`thread ${i + 1} of ${threads} would have none of the ${options.connections} connections: give fewer threads or more connections`);
    const share = options.requests === undefined ? undefined : shareOf(options.requests, s);
    if (share !== undefined && share.hi <= share.lo)
      throw new Error(`thread ${i + 1} of ${threads} would have none of the ${options.requests} requests: give fewer threads or more requests`);
  }
  const file = builtModule(import.meta.url, 'segment.thread');
  const workers: Worker[] = [];
  let ready = 0;
  try {
    for (const segment of parts) workers.push(new Worker(file, { workerData: { ...options, segment } }));
    const reports = await Promise.all(
      workers.map(
        (w, i) =>
          new Promise<LoadReport>((resolve, reject) => {
            w.on('message', (m: ThreadMessage) => {
              if (m.type === 'ready') {
                // Every thread's connections are ready: they all start at once (when the outer gate opens).
                if (++ready === workers.length)
                  void outerGate().then(() => {
                    for (const x of workers) x.postMessage('go');
                  });
              } else if (m.type === 'report') resolve(m.report);
              else reject(new Error(`thread ${i + 1} of ${threads} failed: ${m.message}`));
            });
            w.on('error', (e) => reject(new Error(`thread ${i + 1} of ${threads} failed: ${e.message}`)));
            w.on('exit', (code) => reject(new Error(`thread ${i + 1} of ${threads} exited (code ${code}) without a report`)));
          }),
      ),
    );
    return { report: mergeReports(reports, { sameProcess: true }), perThread: reports.map((r) => r.requests) };
  } finally {
    // A thread that failed leaves the others waiting at the gate or running: stop every one.
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
