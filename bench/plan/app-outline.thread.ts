// Loads and checks an app in a thread of its own and posts its outline (app-outline.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { AppError, loadApp } from '../../servers/routes/app.js';
import { firstLine } from '../../shared/first-line.js';
import type { OutlineMessage } from './app-outline.js';

const { file } = workerData as { file: string };
let answer: OutlineMessage;
try {
  const app = await loadApp(file);
  answer = {
    ok: true,
    file: app.file,
    routes: [...app.routes.values()].map(({ key, method, path, cpu }) => ({ key, method, path, cpu })),
    workloads: app.workloads,
  };
} catch (e) {
  answer = { ok: false, appError: e instanceof AppError, message: firstLine(e) };
}
parentPort?.postMessage(answer);
