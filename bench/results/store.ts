// Where results live: a run's folder under the output directory, its results.json written
// atomically after checking it against the schema (results.ts) and read back through it, the
// `latest` link, and what the run ran on (the machine and the git checkout).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type CpuPlanRecord, type Environment, type Results, resultsSchema } from './results.js';

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** What the run ran on. */
export function describeEnvironment(
  loadgen: { name: string; version: string },
  pinning: { server: string | null; loadgen: string | null },
  cpuPlan: CpuPlanRecord | null = null,
): Environment {
  const status = git(['status', '--porcelain']);
  return {
    node: process.version,
    os: `${platform()} ${release()}`,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    loadAverageBefore: loadavg(),
    gitSha: git(['rev-parse', '--short=12', 'HEAD']),
    gitDirty: status === null ? null : status.length > 0,
    loadgen,
    pinning,
    cpuPlan,
  };
}

/** results/<timestamp>-<sha> */
export function newRunDir(outDir: string, gitSha: string | null): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const dir = join(outDir, `${stamp}-${gitSha ?? 'nogit'}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Validates and writes results.json atomically. */
export function writeResults(dir: string, results: Results): string {
  const checked = resultsSchema.parse(results);
  const file = join(dir, 'results.json');
  writeFileAtomic(file, `${JSON.stringify(checked, null, 2)}\n`);
  return file;
}

/** Points <outDir>/latest at the run folder (replaced atomically). */
export function updateLatest(dir: string): void {
  const link = join(dirname(dir), 'latest');
  const tmp = `${link}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  symlinkSync(basename(dir), tmp);
  renameSync(tmp, link);
}

/** An A/B run's folder (`cbench bench --against`): its two runs, base/ and head/; null for any other path. */
export function abSides(path: string): { base: string; head: string } | null {
  if (!existsSync(path) || !statSync(path).isDirectory()) return null;
  const sides = { base: join(path, 'base'), head: join(path, 'head') };
  return existsSync(join(sides.base, 'results.json')) && existsSync(join(sides.head, 'results.json')) ? sides : null;
}

/**
 * Reads results from a results.json or a run folder (or `latest`), and validates them. Every
 * failure is an Error whose message names the file: missing, not JSON, not a results file, or
 * an A/B run's folder (which holds two runs).
 */
export function readResults(path: string): Results {
  if (abSides(path) !== null) throw new Error(`${path} is an A/B run's folder, with two runs: ${join(path, 'base')} and ${join(path, 'head')}`);
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'results.json') : path;
  if (!existsSync(file)) throw new Error(`${file} does not exist: expected a results.json, a run folder or an A/B run's folder`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} could not be read as JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = resultsSchema.safeParse(data);
  if (!parsed.success)
    throw new Error(`${file} is not a valid results file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
