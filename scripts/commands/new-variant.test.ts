import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureResults } from '../../bench/analysis/test-support/fixture.js';
import { findings } from '../../bench/report/findings.js';
import { readResults } from '../../bench/results/store.js';
import { exportName } from './new-variant.js';

const root = join(import.meta.dirname, '..', '..');
const copy = mkdtempSync(join(tmpdir(), 'cbench-new-variant-'));
const require = createRequire(import.meta.url);

afterAll(() => rmSync(copy, { recursive: true, force: true }));

/** A copy of the project (built dist/ included), sharing node_modules with this one. */
function copyProject(): void {
  cpSync(root, copy, {
    recursive: true,
    filter: (src) => !/^(node_modules|\.git|results)(\/|$)/.test(relative(root, src)),
  });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
}

const cli = (...args: string[]) => spawnSync(process.execPath, [join(copy, 'dist', 'scripts', 'cbench.js'), ...args], { cwd: copy, encoding: 'utf8' });

describe('cbench new-variant', () => {
  it('writes a variant and its registry line, and the conformance suite passes on it at once', () => {
    copyProject();
    const made = cli('new-variant', 'my-model');
    expect(made.status, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/wrote servers\/variants\/my-model\.ts/);
    expect(existsSync(join(copy, 'servers', 'variants', 'my-model.ts'))).toBe(true);
    const registry = readFileSync(join(copy, 'servers', 'variants', 'registry.ts'), 'utf8');
    expect(registry).toContain(`import { ${exportName('my-model')} } from './my-model.js';`);
    expect(registry).toContain(`'my-model': ${exportName('my-model')},`);

    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit', '-p', copy], { cwd: copy });
    // The new file and the registry line pass lint and the formatter as written.
    const lint = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'),
        'check',
        '--vcs-enabled=false',
        'servers/variants/my-model.ts',
        'servers/variants/registry.ts',
      ],
      { cwd: copy, encoding: 'utf8' },
    );
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    const run = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'servers/variants/conformance.test.ts', '-t', 'conformance: my-model'],
      {
        cwd: copy,
        encoding: 'utf8',
        env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      },
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    // Every case of the suite ran on it; none is skipped for a new variant.
    expect(Number(/Tests\s+(\d+) passed/.exec(run.stdout)?.[1])).toBeGreaterThanOrEqual(15);
  }, 120_000);

  it('records the model the new variant declares in results.json, and gives it that model’s findings', () => {
    if (!existsSync(join(copy, 'servers', 'variants', 'my-model.ts'))) return expect.fail('the test above makes my-model');
    // The conformance run above built the copy's dist/ with my-model in its registry.
    const out = join(copy, 'results-test');
    const bench = cli('bench', '--profile', 'smoke', '--variants', 'my-model', '--workloads', 'plaintext', '--no-pin', '--out', out);
    expect(bench.status, bench.stdout + bench.stderr).toBe(0);
    const recorded = readResults(join(out, 'latest'));
    // The template starts as one event loop.
    expect(recorded.variants.map((v) => [v.name, v.model])).toEqual([['my-model', 'event-loop']]);
    // The findings are rules over the recorded model: in a run where my-model stands for
    // single-loop, it gets single-loop's findings, under its own name.
    const run = fixtureResults();
    const own = structuredClone(run);
    for (const v of own.variants) if (v.name === 'single-loop') Object.assign(v, { name: 'my-model', model: recorded.variants[0]?.model ?? null });
    own.settings.variants = own.settings.variants.map((n) => (n === 'single-loop' ? 'my-model' : n));
    const theirs = findings(run).filter((f) => /single-loop/.test(f));
    expect(theirs.length).toBeGreaterThan(0);
    expect(findings(own)).toEqual(findings(run).map((f) => f.replace(/(?<![\w-])single-loop(?![\w-])/g, 'my-model')));
  }, 60_000);

  it('refuses a name that exists or is not kebab-case, with exit 2', () => {
    if (!existsSync(join(copy, 'dist'))) copyProject();
    for (const name of ['single-loop', 'My_Model', '1abc', 'a--b']) {
      const r = cli('new-variant', name);
      expect(r.status, name).toBe(2);
      expect(r.stderr.split('\n')[0]).toMatch(/^error: /);
    }
  });
});
