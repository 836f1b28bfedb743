// cbench bench --against REF: builds REF in a temporary git worktree, then measures both builds
// in the same run, alternating A B, B A per sample with a fresh server for each (alternate.ts),
// so drift on a noisy machine falls on both alike. Runs from different machines or days are not
// comparable; this is the mode CI should use.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CBENCH } from '../../shared/built.js';
import { type CompareOptions, type ComparisonReport, compare, renderMarkdown } from '../analysis/compare.js';
import { formatInt } from '../lib/format.js';
import { serveArgv } from '../lib/processes.js';
import type { LoadGenerator } from '../loadgen/types.js';
import { buildMatrix, type RunSettings } from '../plan/scenarios.js';
import { cellName, cellsOf, type OkVariant, type Results, whyNot } from '../results/results.js';
import { writeFileAtomic } from '../results/store.js';
import { sampleAlternately } from './alternate.js';
import { announce, openRun, Progress, recordedSettings, serveFlags, start, verifyOnce } from './lifecycle.js';

export interface AbOptions {
  /** The git ref to measure against (the base, "A"); the working tree's build is the head, "B". Null: this build against itself (an A/A run, as `cbench calibrate` makes). */
  ref: string | null;
  settings: RunSettings;
  profile: string;
  loadgen: LoadGenerator;
  pin: boolean;
  /** CPUs for the server and the generator when asked (--server-cpus, --loadgen-cpus); the plan's rule otherwise. */
  cpus?: { serverCpus?: number; loadgenCpus?: number };
  outDir: string;
  compare: CompareOptions;
  /** The git repository (default: the current directory). */
  repo?: string;
  /** The command that serves a variant for a side (default: that build's `cbench serve`); tests swap in fixtures. */
  serverArgv?: (side: Side, variant: string, cli: string) => string[] | undefined;
  log?: (line: string) => void;
}

type Side = 'base' | 'head';
const SIDES: readonly Side[] = ['base', 'head'];

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

/** Where a build failed: variants refused or not started, and cells whose server did not start, crashed or stopped answering. */
export function headFailures(head: Results): string[] {
  return head.variants.flatMap((v) => {
    if (v.status === 'refused' || (v.status === 'failed' && v.cells.length === 0)) return [`${v.name} (${whyNot(v)})`];
    return cellsOf(v).flatMap((c) => (c.status === 'failed' ? [`${v.name} ${cellName(c)} (${c.reason})`] : []));
  });
}

export async function runAb(opts: AbOptions): Promise<{ dir: string; base: Results; head: Results; report: ComparisonReport }> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const built = opts.ref === null ? { cli: CBENCH, sha: 'this tree', remove: () => {} } : buildRef(opts.repo ?? process.cwd(), opts.ref, log);
  const refName = opts.ref ?? 'this tree';
  try {
    const run = openRun({
      outDir: opts.outDir,
      settings: recordedSettings(opts.profile, opts.settings),
      loadgen: opts.loadgen,
      pin: opts.pin,
      ...(opts.cpus === undefined ? {} : { cpus: opts.cpus }),
      log,
      // Ctrl-C exits from the handler: the worktree goes with it.
      cleanup: built.remove,
    });
    const sides: Record<Side, Results> = {
      base: run.add('base', { gitSha: opts.ref === null ? (run.environment.gitSha ?? 'working tree') : built.sha.slice(0, 12) }),
      head: run.add('head', { gitSha: run.environment.gitSha ?? 'working tree' }),
    };
    const cli: Record<Side, string> = { base: built.cli, head: CBENCH };
    const argv = (side: Side, variant: string) =>
      opts.serverArgv?.(side, variant, cli[side]) ??
      serveArgv(variant, serveFlags(variant, { workers: run.workersFor(opts.settings.workers?.[0]) }), cli[side]);
    try {
      const s = opts.settings;
      const cells = buildMatrix(s);
      log(
        opts.ref === null
          ? 'A/A: this tree against itself, alternating, a fresh server per sample'
          : `A/B: ${refName} (${built.sha.slice(0, 12)}) against the working tree, alternating, a fresh server per sample`,
      );
      // Every sample of each side has its own warm-up.
      announce(
        run,
        s,
        cells.length,
        `${s.variants.length} variants × ${s.workloads.length} workloads, each side`,
        cells.length * 2 * s.repetitions * (s.warmupSec + s.durationSec),
      );
      run.save();
      const progress = new Progress(cells.length);
      for (const variant of s.variants) {
        // Each build is verified once; a side that answers wrongly or does not start is not measured.
        const base = await verifyOnce(run, sides.base, variant, { pin: run.pinning.serverPin, argv: argv('base', variant) }, `${variant} (base)`);
        const head = await verifyOnce(run, sides.head, variant, { pin: run.pinning.serverPin, argv: argv('head', variant) }, `${variant} (head)`);
        const mine = cells.filter((c) => c.variant === variant);
        if (base === undefined || head === undefined) {
          progress.reach(cells.findLastIndex((c) => c.variant === variant) + 1);
          run.save();
          continue;
        }
        const entries: Record<Side, OkVariant> = { base, head };
        for (const cell of mine) {
          const contenders = SIDES.map((side) => ({ name: side, start: () => start(variant, { pin: run.pinning.serverPin, argv: argv(side, variant) }) }));
          const got = await sampleAlternately(contenders, cell, {
            settings: s,
            loadgen: opts.loadgen,
            pinning: run.pinning,
            loadgenThreads: run.cpuPlan.loadgen,
          });
          const line = SIDES.map((side) => {
            const c = got.get(side);
            if (c === undefined) throw new Error(`runAb: no cell for ${side}`);
            entries[side].cells.push(c);
            return c.status === 'ok' ? `${side} ${formatInt(c.summary.requestsPerSec.median)} req/s` : `${side} FAILED (${c.reason})`;
          });
          log(`${progress.tick()} ${variant} ${cellName(cell)}: ${line.join(', ')}`);
          run.save();
        }
      }
      run.finish();
    } finally {
      run.close();
    }
    // Sampled in pairs by construction: judged on them.
    const report = compare(sides.base, sides.head, { ...opts.compare, paired: true });
    writeFileAtomic(join(run.dir, 'comparison.md'), renderMarkdown(report, sides.base, sides.head));
    return { dir: run.dir, base: sides.base, head: sides.head, report };
  } finally {
    built.remove();
  }
}
