// Child processes of a benchmark: a server variant started through `cbench serve`, the load
// generator, and the CPU time the kernel charged to each. Every child is stopped by its own pid.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The built CLI (this file runs from dist/bench/lib). */
export const CBENCH = join(here, '..', '..', 'scripts', 'cbench.js');

const children = new Set<ChildProcess>();

/** Stops every child still running, by pid; used on exit and on Ctrl-C. */
export function stopAllChildren(): void {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
}

let handlersInstalled = false;
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', stopAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      stopAllChildren();
      process.stderr.write(`\ninterrupted (${signal}); stopped every child process\n`);
      process.exit(130);
    });
  }
}

/** The prefix that pins a command to some CPUs, when taskset exists and there are CPUs to split. */
export function pinPrefix(cpus: string): string[] {
  if (availableParallelism() < 2) return [];
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return ['taskset', '-c', cpus];
  } catch {
    return [];
  }
}

/** Spawns a tracked child; its stdout and stderr are kept for error reports. */
export function spawnTracked(argv: string[]): { child: ChildProcess; output: () => string } {
  installHandlers();
  const [cmd, ...args] = argv as [string, ...string[]];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/** A server variant running in its own process. */
export interface ServerProcess {
  pid: number;
  port: number;
  /** SIGTERM (graceful), then SIGKILL if it has not exited within graceMs. */
  stop(graceMs?: number): Promise<void>;
  output(): string;
}

/** Starts `cbench serve --variant NAME --port 0` and waits for its `listening on` line. */
export async function startServer(variant: string, opts: { pin?: string[]; timeoutMs?: number; extraArgs?: string[] } = {}): Promise<ServerProcess> {
  const { child, output } = spawnTracked([...(opts.pin ?? []), process.execPath, CBENCH, 'serve', '--variant', variant, '--port', '0', ...(opts.extraArgs ?? [])]);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${variant} did not print its listening line within ${opts.timeoutMs ?? 10_000} ms:\n${output()}`)), opts.timeoutMs ?? 10_000);
    const check = () => {
      const m = /listening on http:\/\/[^\s]+:(\d+)\n/.exec(output());
      if (m !== null) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${variant} exited with ${code} before listening:\n${output()}`));
    });
  });
  return {
    pid: child.pid as number,
    port,
    output,
    stop: (graceMs = 5_000) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

let clockTicks: number | undefined;

/** CPU seconds (user, system) the kernel has charged to one process, from /proc/PID/stat. */
export function cpuSeconds(pid: number): { user: number; system: number } {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / clockTicks, system: Number(fields[12]) / clockTicks };
}
