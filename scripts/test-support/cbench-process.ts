// The built command line as a child process, as a user runs it. Every child started here is
// killed by its pid after its test, whether the test passed or not.

import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach } from 'vitest';
import { CBENCH } from '../../shared/built.js';

const running: ChildProcess[] = [];

afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Kills `child` after the test if it is still running. */
export function track(child: ChildProcess): ChildProcess {
  running.push(child);
  return child;
}

/** `cbench ARGS` with its output collected; `exited` resolves with the exit code, `closed` once the output is whole too. */
export function runCbench(args: string[]) {
  const child = track(spawn(process.execPath, [CBENCH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const closed = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, exited, closed, out: () => stdout, err: () => stderr };
}
