import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const repo = mkdtempSync(join(tmpdir(), 'cbench-ab-'));
const require = createRequire(import.meta.url);
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: repo, stdio: 'pipe' });

describe('cbench bench --against (A/B)', () => {
  it('measures two commits side by side and reports the one that made /plaintext slower on purpose', () => {
    // A repository of two commits: the project, then the same with a slow /plaintext.
    cpSync(root, repo, { recursive: true, filter: (src) => !/^(node_modules|\.git|results|dist)(\/|$)/.test(relative(root, src)) });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'base');
    const routes = join(repo, 'servers', 'routes', 'routes.ts');
    const source = readFileSync(routes, 'utf8');
    const slowed = source.replace("case '/plaintext':\n", "case '/plaintext':\n        cpuWork(3_000_000); // a regression, on purpose\n");
    expect(slowed).not.toBe(source);
    writeFileSync(routes, slowed);
    git('commit', '-qam', 'slow plaintext');
    symlinkSync(join(root, 'node_modules'), join(repo, 'node_modules'), 'dir');
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: repo });

    const run = spawnSync(
      process.execPath,
      [
        join(repo, 'dist', 'scripts', 'cbench.js'),
        'bench',
        '--against',
        'HEAD~1',
        '--profile',
        'smoke',
        '--variants',
        'single-loop',
        '--workloads',
        'plaintext',
        '--repetitions',
        '6',
        '--duration',
        '0.5',
        '--fail-on-regression',
      ],
      { cwd: repo, encoding: 'utf8' },
    );
    expect(run.status, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/single-loop\s+plaintext\s+8\s+1\s+req\/s .* -\d\d\.\d% .*\*\*\*?\s+REGRESSION/);
    expect(readFileSync(join(repo, 'results', 'latest', 'comparison.md'), 'utf8')).toMatch(/regression/);
    // The temporary worktree is gone again.
    expect(execFileSync('git', ['worktree', 'list'], { cwd: repo, encoding: 'utf8' }).trim().split('\n')).toHaveLength(1);
  }, 180_000);

  it('refuses an unknown ref with exit 2', () => {
    const r = spawnSync(process.execPath, [join(root, 'dist', 'scripts', 'cbench.js'), 'bench', '--against', 'no-such-ref-anywhere', '--profile', 'smoke'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown git ref 'no-such-ref-anywhere'/);
  });
});
