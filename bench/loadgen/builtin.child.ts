// Runs the builtin engine in a process of its own (pinned like the other generators) and prints
// one JSON line: what it measured.

import { type LoadOptions, type MixEntry, runLoad } from './engine.js';
import { readRunnerArg } from './runner-arg.js';
import { runThreads } from './threads.js';

/** A request of a mix as it crosses the command line: its body in base64. */
export type RunnerMixEntry = Omit<MixEntry, 'body'> & { bodyBase64?: string };

/** LoadOptions as they cross the command line: bodies in base64; `threads` above 1 runs them in worker threads (threads.ts). */
export type RunnerOptions = Omit<LoadOptions, 'body' | 'mix' | 'startGate'> & { bodyBase64?: string; mix?: RunnerMixEntry[]; threads?: number };

const { bodyBase64, mix, threads, ...rest } = readRunnerArg<RunnerOptions>(process.argv[2]);
const fromBase64 = (b: string | undefined) => (b === undefined ? {} : { body: Buffer.from(b, 'base64') });
const options = {
  ...rest,
  ...fromBase64(bodyBase64),
  ...(mix === undefined ? {} : { mix: mix.map(({ bodyBase64: b, ...e }) => ({ ...e, ...fromBase64(b) })) }),
};
const report = threads === undefined || threads === 1 ? await runLoad(options) : (await runThreads(options, threads)).report;
process.stdout.write(`${JSON.stringify({ report })}\n`);
