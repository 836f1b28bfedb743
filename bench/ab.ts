// cbench bench --against REF: builds REF in a temporary git worktree, then measures both builds
// in the same run, alternating A B, B A per sample with a fresh server for each, so drift on a
// noisy machine falls on both alike. Runs from different machines or days are not comparable;
// this is the mode CI should use.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CBENCH } from '../shared/built.js';
import { type CompareOptions, type Comparison, compare, renderMarkdown } from './compare.js';
import { handleInterrupts, planPinning, serveArgv, startServer } from './lib/processes.js';
import { autocannonLoadgen } from './loadgen/autocannon.js';
import type { LoadGenerator } from './loadgen/types.js';
import {
  type CellResult,
  describeEnvironment,
  newResults,
  newRunDir,
  type Repetition,
  type Results,
  updateLatest,
  writeFileAtomic,
  writeResults,
} from './results.js';
import { cellFromRepetitions, runCell } from './runner.js';
import { buildMatrix, type RunSettings } from './scenarios.js';
import { verifyServer } from './verify.js';

export interface AbOptions {
  /** The git ref to measure against (the base, "A"); the working tree's build is the head, "B". */
  ref: string;
  settings: RunSettings;
  profile: string;
  loadgen: LoadGenerator;
  pin: boolean;
  outDir: string;
  compare: CompareOptions;
  /** The git repository (default: the current directory). */
  repo?: string;
  log?: (line: string) => void;
}

const git = (cwd: string, args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Checks out ref in a temporary worktree and builds it; returns its CLI and a clean-up. */
function buildRef(repo: string, ref: string, log: (l: string) => void): { cli: string; sha: string; remove: () => void } {
  let sha: string;
  try {
    sha = git(repo, ['rev-parse', '--verify', `${ref}^{commit}`]);
  } catch {
    throw new Error(`unknown git ref '${ref}'`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'cbench-against-'));
  git(repo, ['worktree', 'add', '--detach', dir, sha]);
  const remove = () => {
    try {
      git(repo, ['worktree', 'remove', '--force', dir]);
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const lock = (d: string) => (existsSync(join(d, 'package-lock.json')) ? readFileSync(join(d, 'package-lock.json'), 'utf8') : '');
    if (lock(dir) === lock(repo) && existsSync(join(repo, 'node_modules'))) {
      symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
    } else {
      log(`installing ${ref}'s dependencies (its package-lock.json differs)`);
      execFileSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' });
    }
    log(`building ${ref} (${sha.slice(0, 12)}) in ${dir}`);
    execFileSync(process.execPath, [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'pipe' });
  } catch (e) {
    remove();
    throw e;
  }
  return { cli: join(dir, 'dist', 'scripts', 'cbench.js'), sha, remove };
}

export async function runAb(opts: AbOptions): Promise<{ dir: string; base: Results; head: Results; rows: Comparison[] }> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const repo = opts.repo ?? process.cwd();
  const built = buildRef(repo, opts.ref, log);
  try {
    const { serverPin, loadgenPin, server, loadgen } = planPinning(opts.pin);
    const environment = describeEnvironment({ name: opts.loadgen.name, version: opts.loadgen.version() }, { server, loadgen }, autocannonLoadgen.version());
    const settings = { profile: opts.profile, ...opts.settings };
    const dir = newRunDir(opts.outDir, environment.gitSha);
    const runId = dir.split('/').pop() as string;
    const sides = {
      base: { cli: built.cli, results: newResults(`${runId}-base`, settings, { ...environment, gitSha: built.sha.slice(0, 12) }) },
      head: { cli: CBENCH, results: newResults(`${runId}-head`, settings, { ...environment, gitSha: environment.gitSha ?? 'working tree' }) },
    };
    const save = () => {
      for (const [name, side] of Object.entries(sides)) {
        mkdirSync(join(dir, name), { recursive: true });
        writeResults(join(dir, name), side.results);
      }
      updateLatest(dir);
    };
    const release = handleInterrupts(() => save());
    try {
      const cells = buildMatrix(opts.settings);
      const samples = cells.length * opts.settings.repetitions * 2;
      log(
        `A/B: ${opts.ref} (${built.sha.slice(0, 12)}) against the working tree; ${cells.length} cells × ${opts.settings.repetitions} samples per side, alternating, a fresh server per sample (${samples} samples)`,
      );
      let done = 0;
      for (const variant of opts.settings.variants) {
        const results = {
          base: sides.base.results.variants.find((v) => v.name === variant)!,
          head: sides.head.results.variants.find((v) => v.name === variant)!,
        };
        // Verify each build once; a side that answers wrongly is not measured.
        let ok = true;
        for (const name of ['base', 'head'] as const) {
          const server = await startServer(variant, { pin: serverPin, argv: serveArgv(variant, [], sides[name].cli) }).catch((e: Error) => e);
          if (server instanceof Error) {
            Object.assign(results[name], { status: 'failed', reason: `did not start: ${server.message.split('\n')[0]}` });
            ok = false;
            continue;
          }
          results[name].verification = await verifyServer(`http://127.0.0.1:${server.port}`);
          await server.stop();
          if (!results[name].verification.ok)
            Object.assign(results[name], { status: 'refused', reason: `failed verification: ${results[name].verification.failures[0]}` });
        }
        if (!ok || results.base.status === 'refused' || results.head.status === 'refused') continue;
        results.base.status = 'ok';
        results.head.status = 'ok';
        for (const cell of cells.filter((c) => c.variant === variant)) {
          const reps: Record<'base' | 'head', Repetition[]> = { base: [], head: [] };
          const failures: Partial<Record<'base' | 'head', CellResult>> = {};
          for (let r = 0; r < opts.settings.repetitions; r++) {
            for (const name of r % 2 === 0 ? (['base', 'head'] as const) : (['head', 'base'] as const)) {
              if (failures[name] !== undefined) continue;
              const server = await startServer(variant, { pin: serverPin, argv: serveArgv(variant, [], sides[name].cli) });
              try {
                const one = await runCell(cell, server, `http://127.0.0.1:${server.port}`, {
                  settings: { ...opts.settings, repetitions: 1 },
                  loadgen: opts.loadgen,
                  loadgenPin,
                });
                if (one.status === 'failed') failures[name] = one;
                else reps[name].push(...one.repetitions);
              } finally {
                await server.stop();
              }
              done++;
            }
          }
          const base = { workload: cell.workload, connections: cell.connections, pipelining: cell.pipelining };
          for (const name of ['base', 'head'] as const) results[name].cells.push(failures[name] ?? cellFromRepetitions(base, reps[name]));
          const med = (n: 'base' | 'head') => Math.round(results[n].cells.at(-1)?.summary?.requestsPerSec.median ?? 0).toLocaleString('en-US');
          log(
            `[${done}/${samples}] ${variant} ${cell.workload} c=${cell.connections} p=${cell.pipelining}: base ${med('base')} req/s, head ${med('head')} req/s`,
          );
        }
        save();
      }
      for (const side of Object.values(sides)) {
        side.results.status = 'complete';
        side.results.finishedAt = new Date().toISOString();
      }
      save();
    } finally {
      release();
    }
    const rows = compare(sides.base.results, sides.head.results, opts.compare);
    writeFileAtomic(join(dir, 'comparison.md'), renderMarkdown(rows, sides.base.results, sides.head.results));
    return { dir, base: sides.base.results, head: sides.head.results, rows };
  } finally {
    built.remove();
  }
}
