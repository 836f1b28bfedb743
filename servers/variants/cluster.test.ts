import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CBENCH } from '../../shared/built.js';
import { parseInfo, parseListening } from '../../shared/serve-protocol.js';
import { getOnce } from '../test-support/get-once.js';
import { cluster } from './cluster.js';
import type { RunningServer } from './types.js';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The processes whose parent is `pid`, from /proc. */
const childPids = (pid: number) =>
  readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .flatMap((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid ? [Number(e)] : [];
      } catch {
        return [];
      }
    });

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close(1_000);
  server = undefined;
});

describe('cluster', () => {
  it('replaces a worker killed with SIGKILL under load, and keeps answering', async () => {
    server = await cluster.start({ port: 0, host: '127.0.0.1', workers: 2 });
    const s = server;
    const [, victim, survivor] = s.pids() as [number, number, number];
    let stop = false;
    const outcomes: Array<{ at: number; ok: boolean }> = [];
    // A connection handed to the worker just as it dies is lost until its timeout; four loops
    // with a short timeout keep the load going meanwhile.
    const loop = async () => {
      while (!stop) {
        const at = Date.now();
        const ok = await getOnce(s.port, '/plaintext', 1_000).then(
          (r) => r.status === 200,
          () => false,
        );
        outcomes.push({ at, ok });
      }
    };
    const load = Promise.all([loop(), loop(), loop(), loop()]);
    await sleep(300);
    process.kill(victim, 'SIGKILL');
    for (let i = 0; i < 200 && !(s.pids().length === 3 && s.info.restarts === 1); i++) await sleep(25);
    const replacedAt = Date.now();
    await sleep(800);
    stop = true;
    await load;

    expect(s.info.restarts).toBe(1);
    expect(s.pids()).toContain(survivor);
    expect(s.pids()).not.toContain(victim);
    expect(s.pids()).toHaveLength(3);
    // Once the replacement is up, every request succeeds.
    const after = outcomes.filter((o) => o.at >= replacedAt);
    expect(after.length).toBeGreaterThan(10);
    expect(after.every((o) => o.ok)).toBe(true);
    expect(outcomes.filter((o) => o.ok).length).toBeGreaterThan(outcomes.length * 0.8);
  });

  it('replaces its only worker killed with SIGKILL, instead of exiting with it (cbench serve as a process)', async () => {
    // In this test's own process something else always keeps the event loop alive; the primary of
    // `cbench serve` has nothing but the replacement's timer once its last worker is gone.
    const child = spawn(process.execPath, [CBENCH, 'serve', '--variant', 'cluster', '--workers', '1', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', () => {});
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      for (let i = 0; i < 200 && parseListening(out) === undefined; i++) await sleep(25);
      const port = parseListening(out) ?? 0;
      expect((await getOnce(port, '/plaintext')).status).toBe(200);
      const [worker] = childPids(child.pid as number);
      if (worker === undefined) throw new Error('no worker process');
      process.kill(worker, 'SIGKILL');
      let replacement: number | undefined;
      for (let i = 0; i < 200 && replacement === undefined; i++) {
        await sleep(25);
        replacement = childPids(child.pid as number).find((p) => p !== worker);
      }
      expect(child.exitCode).toBeNull();
      expect(replacement).toBeDefined();
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = await getOnce(port, '/plaintext', 500).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await sleep(25);
      }
      expect(status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('stops every worker process on close', async () => {
    const s = await cluster.start({ port: 0, host: '127.0.0.1', workers: 2 });
    expect(s.info).toEqual({ workers: 2, schedule: 'rr', restarts: 0 });
    const workers = s.pids().slice(1);
    expect(workers).toHaveLength(2);
    expect(workers.every(alive)).toBe(true);
    await s.close(1_000);
    expect(workers.some(alive)).toBe(false);
  });

  it('serves with the kernel scheduling connections (--schedule os) and reports it', async () => {
    const child = spawn(process.execPath, [CBENCH, 'serve', '--variant', 'cluster', '--schedule', 'os', '--workers', '2', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      for (let i = 0; i < 200 && parseListening(out) === undefined; i++) await sleep(25);
      const port = parseListening(out) ?? 0;
      expect((await getOnce(port, '/plaintext')).body).toBe('Hello, World!');
      expect(parseInfo('cluster', err)).toMatchObject({ workers: 2, schedule: 'os' });
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
