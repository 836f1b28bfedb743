import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { builtModule } from '../../shared/built.js';
import { nginxAvailable, parseFlags } from './open-loop.bench.js';

const run = promisify(execFile);
const SCRIPT = builtModule(import.meta.url, 'open-loop.bench');

describe('npm run bench:open-loop', () => {
  it('takes its flags, with the defaults the docs give', () => {
    expect(parseFlags([])).toMatchObject({
      rounds: 3,
      seconds: 5,
      warmup: 1,
      shares: [10, 25, 50, 75, 100],
      rates: [],
      arrivals: 'constant',
      connections: 256,
    });
    expect(parseFlags(['--shares', '10,50', '--rates', '13390', '--arrivals', 'poisson', '--seconds', '0.5'])).toMatchObject({
      shares: [10, 50],
      rates: [13_390],
      arrivals: 'poisson',
      seconds: 0.5,
    });
  });

  it('refuses a bad flag with one line and the usage, exit 2', async () => {
    for (const args of [['--rounds', '0'], ['--shares', '10,x'], ['--arrivals', 'bursty'], ['--baseline', '/nonexistent'], ['--wat']]) {
      const r = await run(process.execPath, [SCRIPT, ...args]).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^bench:open-loop: .+\nusage: npm run bench:open-loop/);
    }
  });

  // A blink of the real thing: nginx started and stopped by its pid, the closed loop, one rate.
  it.skipIf(!nginxAvailable())(
    'against nginx: the closed-loop ceiling, then the open loop at a share of it, with the generator’s own figures',
    async () => {
      const { stdout } = await run(process.execPath, [SCRIPT, '--rounds', '1', '--seconds', '0.3', '--warmup', '0.2', '--shares', '10', '--connections', '8'], {
        timeout: 60_000,
      });
      expect(stdout).toMatch(/^nginx \(one worker/);
      expect(stdout).toMatch(/^builtin +[\d,]+ /m);
      expect(stdout).toMatch(/^10% +[\d,]+ +builtin +[\d,]+ +[\d.]+ +[\d.]+ .* of 1$/m);
    },
    90_000,
  );
});
