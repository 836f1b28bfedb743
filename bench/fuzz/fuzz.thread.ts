// A worker thread of `npm run fuzz`: runs its range of the inputs and posts progress, then what it found.

import { parentPort, workerData } from 'node:worker_threads';
import { type ExamineOptions, fuzzRange } from './run.js';

/** What the main thread hands a worker. */
export interface WorkerTask {
  seed: number;
  from: number;
  to: number;
  options: ExamineOptions;
}

/** What a worker posts: inputs done since the last message, then its stats once. */
export type WorkerMessage = { type: 'progress'; done: number } | { type: 'done'; stats: ReturnType<typeof fuzzRange> };

const port = parentPort;
if (port === null) throw new Error('bench/fuzz/fuzz.thread.js runs as a worker thread of bench/fuzz/main.js');
const task = workerData as WorkerTask;
const stats = fuzzRange(task.seed, task.from, task.to, task.options, (done) => port.postMessage({ type: 'progress', done } satisfies WorkerMessage));
port.postMessage({ type: 'done', stats } satisfies WorkerMessage);
