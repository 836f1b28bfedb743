// Runs the builtin engine in a process of its own (pinned like the other generators) and prints
// one JSON line: what it measured.

import { type LoadOptions, runLoad } from './engine.js';

/** LoadOptions as they cross the command line: the body in base64. */
export type RunnerOptions = Omit<LoadOptions, 'body'> & { bodyBase64?: string };

const { bodyBase64, ...rest } = JSON.parse(process.argv[2] ?? '{}') as RunnerOptions;
const report = await runLoad({ ...rest, ...(bodyBase64 === undefined ? {} : { body: Buffer.from(bodyBase64, 'base64') }) });
process.stdout.write(`${JSON.stringify({ report })}\n`);
