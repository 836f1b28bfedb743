import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isGone, startServer } from './processes.js';

const dir = mkdtempSync(join(tmpdir(), 'cbench-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startServer', () => {
  it('kills, by its pid, a server that never says it listens, and says so with its output', async () => {
    const pidFile = join(dir, 'pid');
    const script = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); console.log('warming up'); setInterval(() => {}, 1000);`;
    await expect(startServer('silent', { argv: [process.execPath, '-e', script], timeoutMs: 500 })).rejects.toThrow(
      /silent did not print its listening line within 500 ms \(killed\):\nwarming up/,
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
