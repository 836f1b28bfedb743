// Runs the builtin engine in a process of its own (pinned like the other generators) and prints
// one JSON line: what it measured.

import { GO_LINE, READY_LINE } from '../lib/processes.js';
import { type LoadOptions, type MixEntry, runLoad } from './engine.js';
import { readRunnerArg } from './runner-arg.js';
import { runThreads } from './threads.js';

/** A request of a mix as it crosses the command line: its body in base64. */
export type RunnerMixEntry = Omit<MixEntry, 'body'> & { bodyBase64?: string };

/**
 * LoadOptions as they cross the command line: bodies in base64; `threads` above 1 runs them in
 * worker threads (threads.ts); `gate: 'stdin'`, a remote agent's (hosts.ts): once its connections
 * are ready it prints `{"ready":true}` and starts when a line `go` arrives on its standard input,
 * and it exits as soon as that input ends (its coordinator or the ssh connection gone).
 */
export type RunnerOptions = Omit<LoadOptions, 'body' | 'mix' | 'startGate'> & {
  bodyBase64?: string;
  mix?: RunnerMixEntry[];
  threads?: number;
  gate?: 'stdin';
};

const { bodyBase64, mix, threads, gate, ...rest } = readRunnerArg<RunnerOptions>(process.argv[2]);
const fromBase64 = (b: string | undefined) => (b === undefined ? {} : { body: Buffer.from(b, 'base64') });
const options = {
  ...rest,
  ...fromBase64(bodyBase64),
  ...(mix === undefined ? {} : { mix: mix.map(({ bodyBase64: b, ...e }) => ({ ...e, ...fromBase64(b) })) }),
};
const startGate = gate === 'stdin' ? stdinGate() : undefined;
const report =
  threads === undefined || threads === 1
    ? await runLoad({ ...options, ...(startGate === undefined ? {} : { startGate }) })
    : (await runThreads(options, threads, startGate)).report;
// An agent's input stays open to the end: it exits once its report is out.
process.stdout.write(`${JSON.stringify({ report })}\n`, () => {
  if (gate === 'stdin') process.exit(0);
});

/** Says it is ready, then waits for the go line; the end of its input ends the process, whenever it comes. */
function stdinGate(): () => Promise<void> {
  let lines = '';
  let go: () => void = () => {};
  const opened = new Promise<void>((resolve) => (go = resolve));
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    lines += d;
    if (lines.split('\n').includes(GO_LINE)) go();
  });
  process.stdin.on('end', () => {
    process.stderr.write('agent: its input ended (the coordinator is gone): stopping\n');
    process.exit(3);
  });
  return async () => {
    process.stdout.write(`${READY_LINE}\n`);
    await opened;
  };
}
