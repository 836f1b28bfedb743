// One segment of a run in a worker thread of the generator's process (threads.ts): runs the
// engine on it, says when its connections are ready, starts its load when told, and posts its
// report.

import { parentPort, workerData } from 'node:worker_threads';
import { firstLine } from '../../shared/first-line.js';
import { type LoadOptions, runLoad } from './engine.js';
import type { ThreadMessage } from './threads.js';

const port = parentPort;
if (port === null) throw new Error('bench/loadgen/segment.thread.js runs as a worker thread of the generator');
// Buffers cross into a thread as plain Uint8Arrays: made Buffers again.
const given = workerData as Omit<LoadOptions, 'startGate'>;
const options: Omit<LoadOptions, 'startGate'> = {
  ...given,
  ...(given.body === undefined ? {} : { body: Buffer.from(given.body) }),
  ...(given.mix === undefined ? {} : { mix: given.mix.map((e) => (e.body === undefined ? e : { ...e, body: Buffer.from(e.body) })) }),
};
const post = (m: ThreadMessage) => port.postMessage(m);
const go = new Promise<void>((resolve) => port.once('message', () => resolve()));
try {
  const report = await runLoad({
    ...options,
    startGate: () => {
      post({ type: 'ready' });
      return go;
    },
  });
  post({ type: 'report', report });
} catch (e) {
  post({ type: 'error', message: firstLine(e) });
}
