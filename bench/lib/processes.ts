// Child processes of a benchmark: a server variant started through `cbench serve`, the load
// generator, and the CPU time the kernel charged to each. Every child is stopped by its own pid.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, endianness } from 'node:os';
import { builtModule, CBENCH } from '../../shared/built.js';
import { parseListening } from '../../shared/serve-protocol.js';

const children = new Set<ChildProcess>();

/** Stops every child still running, by pid; used on exit and on Ctrl-C. */
function stopAllChildren(): void {
  for (const c of children) if (c.exitCode === null && c.pid !== undefined) process.kill(c.pid, 'SIGKILL');
}

let exitHookInstalled = false;

/**
 * Until the returned function is called, Ctrl-C or SIGTERM stops every child, then runs
 * `then` (e.g. to write partial results), then exits 130.
 */
export function handleInterrupts(then: (signal: NodeJS.Signals) => void = () => {}): () => void {
  const handler = (signal: NodeJS.Signals) => {
    stopAllChildren();
    process.stderr.write(`\ninterrupted (${signal}); stopped every child process\n`);
    try {
      then(signal);
    } finally {
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Whether commands can be pinned here: taskset exists and there are CPUs to split. */
export function pinAvailable(): boolean {
  return pinPrefix('0').length > 0;
}

/** The prefix that pins a command to some CPUs, when taskset exists and there are CPUs to split. */
function pinPrefix(cpus: string): string[] {
  if (availableParallelism() < 2) return [];
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return ['taskset', '-c', cpus];
  } catch {
    return [];
  }
}

/** The environment variable that names the CPUs for pin-main-thread.ts. */
export const MAIN_THREAD_CPUS_ENV = 'CBENCH_MAIN_THREAD_CPUS';

/**
 * The command (and environment) that runs the Node.js module `script` pinned as `pin` says: a
 * taskset prefix (from planPinning) pins the process's main thread alone, once it runs, through
 * pin-main-thread.ts, and not its V8 helper threads. Pinned whole, a generator shared its one CPU
 * with its own garbage collector's and compiler's threads, which took it from the schedule at the
 * moments they ran: against nginx at 40,000 req/s its open-loop p99 was 7.6–14.2 ms pinned whole
 * and 3.8–5.6 ms with the main thread alone pinned (three runs each, alternated), for the same
 * closed-loop ceiling. The helpers use about 3% of a CPU, on whichever CPU has room.
 */
export function pinnedNode(pin: readonly string[], script: string, args: readonly string[]): { argv: string[]; env?: Record<string, string> } {
  const [cmd, flag, cpus] = pin;
  if (pin.length === 0) return { argv: [process.execPath, script, ...args] };
  if (pin.length !== 3 || cmd !== 'taskset' || flag !== '-c' || cpus === undefined) throw new Error(`not a pinning prefix: ${pin.join(' ')}`);
  return { argv: [process.execPath, '--import', builtModule(import.meta.url, 'pin-main-thread'), script, ...args], env: { [MAIN_THREAD_CPUS_ENV]: cpus } };
}

/** Spawns a tracked child; its stdout and stderr are kept for error reports. */
export function spawnTracked(argv: string[], env?: Record<string, string>, opts: { stdin?: boolean } = {}): { child: ChildProcess; output: () => string } {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', stopAllChildren);
  }
  const [cmd, ...args] = argv as [string, ...string[]];
  const child = spawn(cmd, args, {
    stdio: [opts.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    ...(env === undefined ? {} : { env: { ...process.env, ...env } }),
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  // Writing to a child that has gone (its input closed) is not an error of the caller's.
  child.stdin?.on('error', () => {});
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/** The line a child prints once it is ready to start (a remote agent, a server watcher), and the one it starts on. */
export const READY_LINE = '{"ready":true}';
export const GO_LINE = 'go';

/** What the first line `{"<key>": VALUE}` of a child's output holds; undefined when it printed none. */
export function jsonLine<T>(output: string, key: string): T | undefined {
  const prefix = `{${JSON.stringify(key)}`;
  const line = output.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : (JSON.parse(line) as Record<string, T>)[key];
}

/** Resolves once a child has printed READY_LINE; rejects with `fail(why)` when it closes first. */
export function whenReady(child: ChildProcess, output: () => string, fail: (why: string) => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    const look = () => {
      if (output().split('\n').includes(READY_LINE)) resolve();
    };
    child.stdout?.on('data', look);
    child.on('close', (code) => reject(fail(`stopped before it was ready (exit ${code})`)));
    look();
  });
}

/** A server that did not come up: why (the message's first line), then everything it printed. */
export class StartError extends Error {
  constructor(
    readonly why: string,
    readonly output: string,
  ) {
    super(`${why}:\n${output}`);
  }
}

/** A server variant running in its own process. */
export interface ServerProcess {
  /** Its process here: the server's own, or, on another host, the ssh client that runs it there. */
  pid: number;
  port: number;
  /** The address it answers at: 127.0.0.1, or the host it runs on. */
  host: string;
  /** On another host: its pid there; null here. */
  remotePid: number | null;
  /** SIGTERM (graceful), then SIGKILL if it has not exited within graceMs; resolves once its output is complete. */
  stop(graceMs?: number): Promise<void>;
  output(): string;
  /** Whether the process has exited (crashed, if nobody stopped it). */
  exited(): boolean;
}

/** The command that serves a registered variant on a free port (with this build's CLI unless told another). */
export function serveArgv(variant: string, extraArgs: string[] = [], cli = CBENCH): string[] {
  return [process.execPath, cli, 'serve', '--variant', variant, '--port', '0', ...extraArgs];
}

/** Where the server and the load generator run: disjoint CPUs when asked and possible, else anywhere. */
export interface Pinning {
  /** taskset CPU lists, or null when not pinned. */
  server: string | null;
  loadgen: string | null;
  serverPin: string[];
  loadgenPin: string[];
  /** How many CPUs the server may use: those pinned to it, or every one when not pinned. */
  serverCpus: number;
  /** The CPUs pinned to the server, or null when not pinned (then it shares them with the load generator). */
  serverCpuList: number[] | null;
  /** The CPUs pinned to the load generator, or null when not pinned. */
  loadgenCpuList: number[] | null;
}

/** `CPU 0`, `CPUs 0-1`: a taskset CPU list as a line says it. */
export function cpusText(list: string | null): string {
  return `CPU${/[-,]/.test(list ?? '') ? 's' : ''} ${list}`;
}

/** Where a run's processes are, for its plan line. */
export function placement(p: Pick<Pinning, 'server' | 'loadgen'>): string {
  if (p.server === null) return 'not pinned';
  return `server on ${cpusText(p.server)}, load generator on ${cpusText(p.loadgen)} (a Node.js one by its main thread and the threads it starts; V8's helper threads, started before it, on any CPU)`;
}

/** `0`, `1-3`: the CPUs from `first`, `count` of them, as taskset lists them. */
function cpuRange(first: number, count: number): string {
  return count === 1 ? String(first) : `${first}-${first + count - 1}`;
}

/**
 * The load generator on the first `loadgen` CPUs and the server on the `server` after them, when
 * pinning is asked for, taskset exists and there are CPUs to split; else both anywhere, the server
 * free to use every CPU.
 */
export function pinningFor(
  loadgen: number,
  server: number,
  pin: boolean,
  machine: { cpus: number; canPin: boolean } = { cpus: availableParallelism(), canPin: pinAvailable() },
): Pinning {
  const { cpus } = machine;
  if (!pin || loadgen < 1 || server < 1 || loadgen + server > cpus || !machine.canPin)
    return { server: null, loadgen: null, serverPin: [], loadgenPin: [], serverCpus: cpus, serverCpuList: null, loadgenCpuList: null };
  const serverList = cpuRange(loadgen, server);
  const loadgenList = cpuRange(0, loadgen);
  return {
    server: serverList,
    loadgen: loadgenList,
    serverPin: ['taskset', '-c', serverList],
    loadgenPin: ['taskset', '-c', loadgenList],
    serverCpus: server,
    serverCpuList: Array.from({ length: server }, (_, i) => loadgen + i),
    loadgenCpuList: Array.from({ length: loadgen }, (_, i) => i),
  };
}

/** The load generator on CPU 0 and the server on the rest (the micro-benchmarks' split, one generator thread). */
export function planPinning(pin: boolean): Pinning {
  return pinningFor(1, availableParallelism() - 1, pin);
}

/**
 * Starts a server command (by default `cbench serve --variant NAME --port 0`) and waits for its
 * `listening on` line. If it exits first, or does not listen in time (it is then killed by its
 * pid), rejects with what it printed, once its output is whole.
 */
export async function startServer(
  variant: string,
  opts: {
    pin?: string[];
    timeoutMs?: number;
    extraArgs?: string[];
    argv?: string[];
    /** On another host (argv runs it there over ssh, remoteServeArgv): its address, and its input kept open, its end stopping the server there. */
    remote?: { host: string };
  } = {},
): Promise<ServerProcess> {
  const timeoutMs = opts.timeoutMs ?? (opts.remote === undefined ? 10_000 : 30_000);
  const { child, output } = spawnTracked([...(opts.pin ?? []), ...(opts.argv ?? serveArgv(variant, opts.extraArgs))], undefined, {
    stdin: opts.remote !== undefined,
  });
  // 'close' comes after 'exit' once stdout and stderr are drained: only then is the output whole.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const check = () => {
      const port = parseListening(output());
      if (port !== undefined) {
        clearTimeout(timer);
        resolve(port);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const why = timedOut ? `did not print its listening line within ${timeoutMs} ms (killed)` : `exited with ${code ?? signal} before listening`;
      closed.then(() => reject(new StartError(`${variant} ${why}`, output())));
    });
  });
  const remotePid = opts.remote === undefined ? null : Number(/^cbench-remote-pid (\d+)$/m.exec(output())?.[1] ?? Number.NaN);
  if (remotePid !== null && Number.isNaN(remotePid)) {
    child.kill('SIGKILL');
    await closed;
    throw new StartError(`${variant} on ${opts.remote?.host} did not say its pid there`, output());
  }
  return {
    pid: child.pid as number,
    port,
    host: opts.remote?.host ?? '127.0.0.1',
    remotePid,
    output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    stop: async (graceMs = 5_000) => {
      if (child.exitCode === null && child.signalCode === null) {
        const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
        // On another host, the end of its input stops it there (remoteServeArgv); here, SIGTERM.
        if (opts.remote !== undefined) child.stdin?.end();
        else child.kill('SIGTERM');
        await closed;
        clearTimeout(kill);
      }
      await closed;
    },
  };
}

let clockTicks: number | undefined;

/** The auxiliary vector's entry for the clock tick rate (AT_CLKTCK in <elf.h>). */
const AT_CLKTCK = 17n;

/**
 * Clock ticks per second, the unit of /proc's CPU times, read once: from the kernel's auxiliary
 * vector (/proc/self/auxv, where glibc's sysconf(_SC_CLK_TCK) reads it too), else of `getconf
 * CLK_TCK`, a process of its own that blocked the caller for about 15 ms here. Asked first at a
 * load generator's window's edge, that stalled the schedule in every repetition of a capacity
 * sweep; the generator still asks before its load starts.
 */
export function ticksPerSecond(): number {
  clockTicks ??= auxvClockTicks() ?? (Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100);
  return clockTicks;
}

/** AT_CLKTCK from /proc/self/auxv (pairs of 64-bit words on a 64-bit Linux), or null. */
function auxvClockTicks(): number | null {
  if (!['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64'].includes(process.arch)) return null;
  try {
    const auxv = readFileSync('/proc/self/auxv');
    const word = (at: number) => (endianness() === 'LE' ? auxv.readBigUInt64LE(at) : auxv.readBigUInt64BE(at));
    for (let i = 0; i + 16 <= auxv.length; i += 16) if (word(i) === AT_CLKTCK) return Number(word(i + 8)) || null;
  } catch {
    // not Linux, or no /proc
  }
  return null;
}

/** CPU seconds (user, system) the kernel has charged to one process, from /proc/PID/stat. */
export function cpuSeconds(pid: number): { user: number; system: number } {
  const ticks = ticksPerSecond();
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / ticks, system: Number(fields[12]) / ticks };
}

/**
 * Seconds the given CPUs were busy (/proc/stat: user, nice, system, irq and softirq; not idle,
 * iowait or steal). A pinned server's CPUs also run the kernel's packet work for its sockets
 * (softirq, a fifth of a CPU on loopback at 50,000 req/s), which is charged to no process: its
 * own CPU time alone reads about 87% when its CPU is in fact saturated.
 */
export function cpuBusySeconds(cpuList: readonly number[]): number {
  const wanted = new Set(cpuList.map((c) => `cpu${c}`));
  let ticks = 0;
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (!wanted.has(f[0] ?? '')) continue;
    // user nice system idle iowait irq softirq steal ...
    for (const i of [1, 2, 3, 6, 7]) ticks += Number(f[i] ?? 0);
  }
  return ticks / ticksPerSecond();
}

/** The pid and every descendant of it, from the parent pids in /proc. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // gone while we looked
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  walk(root);
  return out;
}

/** CPU seconds summed over processes; ones that have exited count as nothing. */
export function treeCpuSeconds(pids: readonly number[]): { user: number; system: number } {
  let user = 0;
  let system = 0;
  for (const pid of pids) {
    try {
      const c = cpuSeconds(pid);
      user += c.user;
      system += c.system;
    } catch {
      // exited
    }
  }
  return { user, system };
}

/** Resident set size of one process in bytes (VmRSS), or 0 if it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/** Samples the summed RSS of a process tree every interval and keeps the peak. */
export class PeakRss {
  private peak = 0;
  private timer: NodeJS.Timeout | null = null;
  private pids: number[] = [];
  private samples = 0;
  constructor(private readonly root: number) {}

  start(intervalMs = 100): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): number {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.samples = 0;
    this.sample();
    return this.peak;
  }

  private sample(): void {
    // The tree is walked again every tenth sample only: walking all of /proc ten times a second,
    // from a harness that may share the load generator's CPU, stalled it for milliseconds.
    if (this.samples++ % 10 === 0) this.pids = processTree(this.root);
    const total = this.pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
    if (total > this.peak) this.peak = total;
  }
}

/** Whether a process is gone (or a zombie nobody has reaped). */
export function isGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}
