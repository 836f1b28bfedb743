// What an app declares (its routes, their cpu flags, its workloads), read in a worker thread that
// is then terminated: the harness needs the app's data, never its code, so a module that opens a
// connection pool or starts a timer as it loads cannot keep `cbench bench` running, nor share its
// process while it measures.

import { Worker } from 'node:worker_threads';
import type { AppOutline, RouteOutline } from '../../servers/routes/app.js';
import { AppError } from '../../servers/routes/app.js';
import { builtModule } from '../../shared/built.js';

/** A module still loading after this long (a top-level await that never ends) is refused. */
const LOAD_LIMIT_MS = 30_000;

/** What the worker answers. */
export type OutlineMessage =
  | { ok: true; file: string; routes: RouteOutline[]; workloads: AppOutline['workloads'] }
  | { ok: false; appError: boolean; message: string };

/** The app's outline; AppError, with its one line, for an app that cannot be served. */
export async function outlineApp(file: string): Promise<AppOutline> {
  const worker = new Worker(builtModule(import.meta.url, 'app-outline.thread'), { workerData: { file }, stdout: false, stderr: false });
  try {
    const answer = await new Promise<OutlineMessage>((resolve, reject) => {
      const timer = setTimeout(() => reject(new AppError(`app ${file} did not finish loading within ${LOAD_LIMIT_MS / 1000} s`)), LOAD_LIMIT_MS);
      worker.once('message', (m: OutlineMessage) => {
        clearTimeout(timer);
        resolve(m);
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the app checker exited (${code}) without an answer`)));
    });
    if (!answer.ok) throw answer.appError ? new AppError(answer.message) : new Error(answer.message);
    return { file: answer.file, routes: new Map(answer.routes.map((r) => [r.key, r])), workloads: answer.workloads };
  } finally {
    await worker.terminate();
  }
}
