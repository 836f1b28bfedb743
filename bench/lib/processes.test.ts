import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cpusText, isGone, pinnedNode, pinningFor, planPinning, spawnTracked, startServer, ticksPerSecond } from './processes.js';

const dir = mkdtempSync(join(tmpdir(), 'cbench-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startServer', () => {
  it('kills, by its pid, a server that never says it listens, and says so with its output', async () => {
    const pidFile = join(dir, 'pid');
    const script = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); console.log('warming up'); setInterval(() => {}, 1000);`;
    await expect(startServer('silent', { argv: [process.execPath, '-e', script], timeoutMs: 3_000 })).rejects.toThrow(
      /silent did not print its listening line within \d+ ms \(killed\):\nwarming up/,
    );
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(isGone(pid)).toBe(true);
  });

  it('reports a server that exits before listening with everything it printed', async () => {
    const script = `process.stderr.write('bad config\\n'); process.exit(3);`;
    await expect(startServer('quitter', { argv: [process.execPath, '-e', script] })).rejects.toThrow(/quitter exited with 3 before listening:\nbad config/);
  });
});

describe('pinnedNode', () => {
  const pin = planPinning(true).loadgenPin;

  it.skipIf(pin.length === 0)('pins the main thread of a Node.js process to the generator’s CPU and leaves its V8 helper threads free', async () => {
    const script = join(dir, 'threads.cjs');
    // Each thread's allowed CPUs, the main thread's (its id is the pid) apart.
    writeFileSync(
      script,
      `const fs = require('fs');
       const of = (t) => /Cpus_allowed_list:\\s*(\\S+)/.exec(fs.readFileSync('/proc/self/task/' + t + '/status', 'utf8'))[1];
       const tids = fs.readdirSync('/proc/self/task').filter((t) => t !== String(process.pid));
       console.log(JSON.stringify({ main: of(process.pid), helpers: tids.map(of), env: process.env.CBENCH_MAIN_THREAD_CPUS ?? null }));`,
    );
    const all = readFileSync('/proc/self/status', 'utf8').match(/Cpus_allowed_list:\s*(\S+)/)?.[1];
    const { argv, env } = pinnedNode(pin, script, []);
    const { child, output } = spawnTracked(argv, env);
    const code = await new Promise((r) => child.on('close', r));
    expect(code).toBe(0);
    const seen = JSON.parse(output()) as { main: string; helpers: string[]; env: string | null };
    expect(seen.main).toBe(pin[2]);
    expect(seen.helpers.length).toBeGreaterThan(0);
    for (const h of seen.helpers) expect(h).toBe(all);
    // The variable does not reach what the process starts in turn.
    expect(seen.env).toBeNull();
  });

  it.skipIf(pin.length === 0)('pins the worker threads the main thread starts as it is pinned (a generator’s segments stay on its CPUs)', async () => {
    const script = join(dir, 'worker.cjs');
    writeFileSync(
      script,
      `const { Worker } = require('worker_threads');
       const w = new Worker("const fs = require('fs'); require('worker_threads').parentPort.postMessage(/Cpus_allowed_list:\\\\s*(\\\\S+)/.exec(fs.readFileSync('/proc/thread-self/status', 'utf8'))[1]);", { eval: true });
       w.on('message', (m) => { console.log(m); w.terminate(); });`,
    );
    const { argv, env } = pinnedNode(pin, script, []);
    const { child, output } = spawnTracked(argv, env);
    expect(await new Promise((r) => child.on('close', r))).toBe(0);
    expect(output().trim()).toBe(pin[2]);
  });

  it('splits the CPUs as asked: the generator on the first ones, the server on those after; not pinned when asked not to, when it does not fit or without taskset', () => {
    const eight = { cpus: 8, canPin: true };
    expect(pinningFor(1, 1, false, eight)).toMatchObject({ server: null, loadgen: null, serverPin: [], loadgenPin: [], serverCpus: 8 });
    expect(pinningFor(8, 1, true, eight).server).toBeNull();
    expect(pinningFor(1, 1, true, { cpus: 8, canPin: false }).server).toBeNull();
    expect(pinningFor(1, 1, true, { cpus: 2, canPin: true })).toMatchObject({
      server: '1',
      loadgen: '0',
      serverPin: ['taskset', '-c', '1'],
      loadgenPin: ['taskset', '-c', '0'],
      serverCpus: 1,
      serverCpuList: [1],
      loadgenCpuList: [0],
    });
    expect(pinningFor(4, 3, true, eight)).toMatchObject({
      server: '4-6',
      loadgen: '0-3',
      serverCpus: 3,
      serverCpuList: [4, 5, 6],
      loadgenCpuList: [0, 1, 2, 3],
    });
    expect(cpusText('0')).toBe('CPU 0');
    expect(cpusText('0-3')).toBe('CPUs 0-3');
  });

  it('runs a script unpinned with no prefix, and refuses a prefix it does not know', () => {
    expect(pinnedNode([], 'x.js', ['a'])).toEqual({ argv: [process.execPath, 'x.js', 'a'] });
    expect(() => pinnedNode(['numactl', '-C', '0'], 'x.js', [])).toThrow(/not a pinning prefix: numactl -C 0/);
  });
});

describe('ticksPerSecond', () => {
  it('reads the clock tick rate (from the auxiliary vector here) that getconf CLK_TCK gives', () => {
    expect(ticksPerSecond()).toBe(Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()));
  });
});
