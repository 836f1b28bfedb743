// A runner (a load generator's or an attack's) in a process of its own: how its options reach it,
// as its one argument or, when they are too large for one (Linux refuses an argument over
// 128 KiB, and an app's request bodies travel in base64), in a file named by `@PATH`; and how
// the harness runs it and reads the one JSON line it prints.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLine, pinnedNode, spawnTracked } from '../lib/processes.js';

/** Well under the kernel's limit for one argument (MAX_ARG_STRLEN, 128 KiB). */
const INLINE_MAX = 64 * 1024;

/** The argument that carries `options`, and what to remove once the process has read it. */
export function runnerArg(options: unknown): { arg: string; cleanup: () => void } {
  const json = JSON.stringify(options);
  if (json.length <= INLINE_MAX) return { arg: json, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'cbench-runner-'));
  const file = join(dir, 'options.json');
  writeFileSync(file, json);
  return { arg: `@${file}`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The options the runner was started with (its first argument). */
export function readRunnerArg<T>(arg: string | undefined): T {
  const text = arg === undefined ? '{}' : arg.startsWith('@') ? readFileSync(arg.slice(1), 'utf8') : arg;
  return JSON.parse(text) as T;
}

/** How runRunner runs one. */
export interface RunnerRun {
  /** `taskset -c N` or nothing: pins the runner's main thread (pinnedNode). */
  pin: readonly string[];
  /** The key of the JSON line to read: `report` for the line `{"report": ...}`. */
  key: string;
  /** What it is, for an error: `the builtin load generator`. */
  what: string;
  /** Killed by its pid when still running after this long; no bound when absent. */
  boundMs?: number;
}

/**
 * Runs the built module `runner` with `options` in a process of its own and resolves with the
 * JSON of the line it prints that begins `{"<key>"`; rejects, with the end of its output, when it
 * exits otherwise than 0, prints no such line, or overstays its bound (then killed).
 */
export async function runRunner<T>(runner: string, options: unknown, run: RunnerRun): Promise<T> {
  const { arg, cleanup } = runnerArg(options);
  const { argv, env } = pinnedNode(run.pin, runner, [arg]);
  const { child, output } = spawnTracked(argv, env);
  let killed = false;
  const deadline =
    run.boundMs === undefined
      ? undefined
      : setTimeout(() => {
          killed = true;
          child.kill('SIGKILL');
        }, run.boundMs);
  // 'close', not 'exit': only then has all of its output been read.
  const code = await new Promise<number | string | null>((resolve) => child.on('close', (c, signal) => resolve(c ?? signal)));
  clearTimeout(deadline);
  cleanup();
  const value = jsonLine<unknown>(output(), run.key);
  if (killed) throw new Error(`${run.what} overstayed its bound of ${Math.round((run.boundMs ?? 0) / 1000)} s and was killed`);
  if (code !== 0 || value === undefined) throw new Error(`${run.what} exited with ${code}: ${output().trim().slice(-500)}`);
  return { [run.key]: value } as T;
}
