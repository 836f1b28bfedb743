// How a generator's options reach the process that runs it: as its one argument, or, when they
// are too large for one (Linux refuses an argument over 128 KiB, and an app's request bodies
// travel in base64), in a file named by `@PATH`.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
