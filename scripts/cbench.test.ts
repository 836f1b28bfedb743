import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { variantNames } from '../servers/variants/registry.js';
import { CBENCH } from '../shared/built.js';
import { listeningLine, parseListening } from '../shared/serve-protocol.js';
import { runCbench as run, track } from './test-support/cbench-process.js';

async function listening(p: ReturnType<typeof run>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = parseListening(p.out());
    if (port !== undefined) {
      // Nothing on stdout but the listening line: the harness reads it from there.
      expect(p.out()).toBe(listeningLine('127.0.0.1', port));
      return port;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no listening line; stdout ${JSON.stringify(p.out())} stderr ${JSON.stringify(p.err())}`);
}

describe('the cbench bin', () => {
  it('runs as a program, as npx cbench runs it (shebang and executable bit)', async () => {
    const child = spawn(CBENCH, ['list'], { stdio: ['ignore', 'pipe', 'pipe'] });
    track(child);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', resolve);
    });
    expect(code).toBe(0);
    for (const name of variantNames) expect(stdout).toContain(name);
  });
});

describe('cbench serve', () => {
  for (const variant of variantNames) {
    it(`serves ${variant}, prints one listening line, and exits 0 on SIGINT`, async () => {
      const p = run(['serve', '--variant', variant, '--port', '0']);
      const port = await listening(p);
      const res = await fetch(`http://127.0.0.1:${port}/plaintext`);
      expect(await res.text()).toBe('Hello, World!');
      p.child.kill('SIGINT');
      expect(await p.exited).toBe(0);
      expect(p.out()).toBe(listeningLine('127.0.0.1', port));
    });
  }

  it('finishes an in-flight request on SIGTERM before exiting 0', async () => {
    const p = run(['serve', '--variant', 'single-loop', '--port', '0']);
    const port = await listening(p);
    const pending = fetch(`http://127.0.0.1:${port}/io?ms=400`);
    await new Promise((r) => setTimeout(r, 100));
    p.child.kill('SIGTERM');
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await p.exited).toBe(0);
  });

  it('refuses an unknown variant with one error line, the usage, and exit 2', async () => {
    const p = run(['serve', '--variant', 'nope']);
    expect(await p.exited).toBe(2);
    const lines = p.err().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/unknown variant 'nope' \(known: single-loop, cluster, worker-pool, offload, blocking, node-http/);
    expect(lines[1]).toMatch(/^usage: cbench serve/);
  });

  it('serves the example app beside the built-in routes, its CPU-heavy route offloaded', async () => {
    const p = run(['serve', '--variant', 'offload', '--workers', '1', '--port', '0', '--app', 'examples/app.mjs']);
    const port = await listening(p);
    expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('hello');
    const upper = await fetch(`http://127.0.0.1:${port}/upper`, { method: 'POST', body: 'loud' });
    expect(await upper.text()).toBe('LOUD');
    expect(JSON.parse(await (await fetch(`http://127.0.0.1:${port}/report?n=1`)).text())).toMatchObject({ rounds: 1 });
    expect(await (await fetch(`http://127.0.0.1:${port}/plaintext`)).text()).toBe('Hello, World!');
    expect(p.err()).toMatch(/offloads=\/cpu,GET:\/report/);
    expect(p.err()).toMatch(/serving the app .*examples\/app\.mjs beside the built-in routes/);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it.each([
    ['no-such-app.mjs', /^error: app no-such-app\.mjs: no such file$/],
    ['package.json', /an app is an ES module/],
    ['README.md', /an app is an ES module/],
  ])('refuses --app %s with one error line, the usage, and exit 2', async (file, message) => {
    const p = run(['serve', '--variant', 'single-loop', '--port', '0', '--app', file]);
    expect(await p.exited).toBe(2);
    const lines = p.err().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^usage: cbench serve/);
  });

  it('takes a headers timeout and an idle timeout (hidden flags, for tests and the resilience profile)', async () => {
    const p = run(['serve', '--variant', 'single-loop', '--port', '0', '--headers-timeout', '300', '--keep-alive-timeout', '200']);
    const port = await listening(p);
    const answer = (socket: Socket) =>
      new Promise<{ text: string; ms: number }>((resolve) => {
        const t0 = Date.now();
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('close', () => resolve({ text, ms: Date.now() - t0 }));
      });
    // A head that never ends: 408 at the headers timeout. A connection that sends nothing: closed at the idle timeout.
    const slow = connect({ host: '127.0.0.1', port });
    const idle = connect({ host: '127.0.0.1', port });
    slow.write('GET /plaintext HTTP/1.1\r\nHost: x\r\n');
    const [timedOut, closed] = await Promise.all([answer(slow), answer(idle)]);
    expect(timedOut.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(timedOut.ms).toBeGreaterThanOrEqual(250);
    expect(timedOut.ms).toBeLessThan(5_000);
    expect(closed).toMatchObject({ text: '' });
    expect(closed.ms).toBeLessThan(5_000);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
    const help = run(['serve', '--help']);
    await help.exited;
    expect(help.out()).not.toMatch(/timeout/);
  });

  it('refuses a bad port with exit 2', async () => {
    const p = run(['serve', '--variant', 'single-loop', '--port', '70000']);
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/--port/);
  });
});

describe('cbench report', () => {
  it('answers a file that is not a results file with one error line and exit 1 (not a usage error)', async () => {
    const p = run(['report', 'package.json']);
    expect(await p.exited).toBe(1);
    const lines = p.err().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: .*package\.json is not a valid results file/);
  });

  it('answers a path that does not exist as a usage error (exit 2)', async () => {
    const p = run(['report', 'no/such/run']);
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/^error: no\/such\/run does not exist/);
  });
});

describe('cbench list', () => {
  it('lists every registered variant with its model', async () => {
    const p = run(['list']);
    expect(await p.exited).toBe(0);
    for (const name of variantNames) expect(p.out()).toMatch(new RegExp(`^${name} `, 'm'));
  });
});
