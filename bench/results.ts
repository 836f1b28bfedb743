// results.json: the source of truth every report is derived from. Versioned, described by a
// schema (zod) that is checked on every read, and written atomically.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';

export const RESULTS_SCHEMA = 'concurrency-bench/results';
export const RESULTS_VERSION = 1;

const stats = z.object({ median: z.number(), min: z.number(), max: z.number() });

/** One measured repetition of one cell, as the load generator and /proc reported it. */
export const repetitionSchema = z.object({
  requests: z.number().int().nonnegative(),
  durationSec: z.number().positive(),
  requestsPerSec: z.number().nonnegative(),
  bytesPerSec: z.number().nonnegative(),
  latencyMs: z.object({ mean: z.number(), p50: z.number(), p90: z.number(), p99: z.number(), p99_9: z.number(), p99_99: z.number(), max: z.number() }),
  errors: z.number().int().nonnegative(),
  timeouts: z.number().int().nonnegative(),
  non2xx: z.number().int().nonnegative(),
  resets: z.number().int().nonnegative(),
  /** CPU seconds of the server's whole process tree during the repetition. */
  serverCpuUserSec: z.number().nonnegative(),
  serverCpuSystemSec: z.number().nonnegative(),
  /** (user + system) / requests, in microseconds; null when no request completed. */
  serverCpuUsPerRequest: z.number().nonnegative().nullable(),
  /** Peak of the summed RSS of the server's process tree, sampled every 100 ms. */
  serverPeakRssBytes: z.number().int().nonnegative(),
  loadgenCpuSec: z.number().nonnegative(),
  /** loadgenCpuSec / durationSec: 1 is one core fully busy. */
  loadgenCpuShare: z.number().nonnegative(),
});

export const cellSchema = z.object({
  workload: z.string(),
  connections: z.number().int().positive(),
  pipelining: z.number().int().positive(),
  status: z.enum(['ok', 'failed']),
  reason: z.string().optional(),
  /** The load generator used ≥ 90% of its core: the figures are a floor, not the server's limit. */
  clientBound: z.boolean(),
  repetitions: z.array(repetitionSchema),
  /** Median, min and max over the repetitions; null when none completed. */
  summary: z
    .object({
      requestsPerSec: stats,
      latencyP50Ms: stats,
      latencyP99Ms: stats,
      latencyP99_9Ms: stats,
      serverCpuUsPerRequest: stats,
      serverPeakRssBytes: stats,
      loadgenCpuShare: stats,
      errors: z.number().int().nonnegative(),
    })
    .nullable(),
});

export const variantSchema = z.object({
  name: z.string(),
  /** ok: measured; refused: failed verification; failed: did not start, crashed or stopped answering; not-run: interrupted first. */
  status: z.enum(['ok', 'refused', 'failed', 'not-run']),
  reason: z.string().optional(),
  verification: z.object({ ok: z.boolean(), failures: z.array(z.string()) }).nullable(),
  /** The server's last output lines, when it failed. */
  output: z.array(z.string()),
  pids: z.array(z.number().int()),
  /** What the variant reported about itself on start (workers, scheduling, pool settings). */
  info: z.record(z.string(), z.union([z.string(), z.number()])),
  cells: z.array(cellSchema),
});

export const resultsSchema = z.object({
  schema: z.literal(RESULTS_SCHEMA),
  version: z.literal(RESULTS_VERSION),
  runId: z.string(),
  /** incomplete: interrupted, or still being written. */
  status: z.enum(['complete', 'incomplete']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  environment: z.object({
    node: z.string(),
    os: z.string(),
    cpuModel: z.string(),
    cpus: z.number().int().positive(),
    loadAverageBefore: z.array(z.number()),
    gitSha: z.string().nullable(),
    gitDirty: z.boolean().nullable(),
    loadgen: z.object({ name: z.string(), version: z.string() }),
    /** Installed autocannon, whichever load generator ran. */
    autocannonVersion: z.string(),
    pinning: z.object({ server: z.string().nullable(), loadgen: z.string().nullable() }),
  }),
  settings: z.object({
    profile: z.string(),
    variants: z.array(z.string()),
    workloads: z.array(z.string()),
    connections: z.array(z.number().int().positive()),
    pipelining: z.array(z.number().int().positive()),
    durationSec: z.number().positive(),
    warmupSec: z.number().nonnegative(),
    repetitions: z.number().int().positive(),
  }),
  variants: z.array(variantSchema),
});

export type Results = z.infer<typeof resultsSchema>;
export type VariantResult = z.infer<typeof variantSchema>;
export type CellResult = z.infer<typeof cellSchema>;
export type Repetition = z.infer<typeof repetitionSchema>;

/** Median, min and max. */
export function summarize(xs: number[]): { median: number; min: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const median = s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
  return { median, min: s[0] as number, max: s[s.length - 1] as number };
}

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
  autocannonVersion: string,
): Results['environment'] {
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
    autocannonVersion,
    pinning,
  };
}

/** A run that has not measured anything yet: every variant `not-run`, status `incomplete`. */
export function newResults(runId: string, settings: Results['settings'], environment: Results['environment']): Results {
  return {
    schema: RESULTS_SCHEMA,
    version: RESULTS_VERSION,
    runId,
    status: 'incomplete',
    startedAt: new Date().toISOString(),
    finishedAt: null,
    environment,
    settings,
    variants: settings.variants.map((name) => ({ name, status: 'not-run', verification: null, output: [], pids: [], info: {}, cells: [] })),
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

/** Reads results from a results.json or a run folder (or `latest`), and validates them. */
export function readResults(path: string): Results {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'results.json') : path;
  const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const parsed = resultsSchema.safeParse(data);
  if (!parsed.success)
    throw new Error(`${file} is not a valid results file: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}
