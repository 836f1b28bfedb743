// npm run fuzz -- --inputs N [--seed S] [--workers W] [--every-split]
// npm run fuzz -- --llhttp-cases DIR
//
// Differential fuzzing of the request parser against Node's own llhttp (strict), in this process
// and its worker threads: generated and mutated requests fed to both, every difference sorted
// into the deliberate ones (servers/core/llhttp-differences.ts) and the rest, each of the rest
// minimized and printed. Also checks that our verdicts do not depend on how the bytes are cut.
// Exit 1 when an undocumented difference or a split-dependent verdict was found, 2 on a usage
// error, else 0. With --llhttp-cases, replays llhttp's own request cases instead (replay.ts).

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { LLHTTP_DIFFERENCES } from '../../servers/core/llhttp-differences.js';
import { builtModule } from '../../shared/built.js';
import { formatInt } from '../lib/format.js';
import { compareRuns, describeResult } from './diff.js';
import type { WorkerMessage, WorkerTask } from './fuzz.thread.js';
import { Llhttp } from './llhttp.js';
import { escapeBytes } from './minimize.js';
import { runOurs, splitDependence } from './ours.js';
import { replayLlhttpCases } from './replay.js';
import { DEFAULT_EXAMINE, type ExamineOptions, emptyStats, type FuzzStats, fuzzRange, mergeStats, minimizeDifference, minimizeSplitDependence } from './run.js';

/** Exit status for a usage error, as cbench's commands use. */
const EXIT_USAGE = 2;

function integer(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return Number(value);
  };
}

interface Options {
  inputs: number;
  seed?: number;
  workers: number;
  everySplit?: boolean;
  llhttpCases?: string;
}

const program = new Command('fuzz')
  .description("Differential fuzzing of the request parser against Node's llhttp (strict), or a replay of llhttp's request cases")
  .option('--inputs <n>', 'inputs to generate and compare', integer(1, 1_000_000_000), 100_000)
  .option('--seed <s>', 'the run seed (default: drawn at random and printed)', integer(0, 0xffffffff))
  .option('--workers <n>', 'worker threads (default: one per CPU)', integer(1, 64), availableParallelism())
  .option('--every-split', 'also cut every input in two at every boundary (slower)')
  .option('--llhttp-cases <dir>', "replay the request cases of llhttp's test/request/*.md in DIR instead of fuzzing")
  .showHelpAfterError('usage: npm run fuzz -- [--inputs N] [--seed S] [--workers W] [--every-split] | --llhttp-cases DIR')
  .exitOverride();

/** Runs inputs [0, n) over `workers` threads (in this thread when one), printing progress. */
async function fuzz(seed: number, n: number, workers: number, options: ExamineOptions): Promise<FuzzStats> {
  const started = performance.now();
  let done = 0;
  let lastPrint = started;
  const progress = (more: number) => {
    done += more;
    const now = performance.now();
    if (now - lastPrint < 2_000 && done < n) return;
    lastPrint = now;
    const rate = done / ((now - started) / 1_000);
    console.log(`  ${formatInt(done)} / ${formatInt(n)} inputs (${Math.floor((done / n) * 100)}%), ${formatInt(rate)} inputs/s`);
  };
  if (workers === 1) return fuzzRange(seed, 0, n, options, progress);
  const file = builtModule(import.meta.url, 'fuzz.thread');
  const per = Math.ceil(n / workers);
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const task: WorkerTask = { seed, from: Math.min(n, w * per), to: Math.min(n, (w + 1) * per), options };
      return new Promise<FuzzStats>((resolve, reject) => {
        const worker = new Worker(file, { workerData: task });
        worker.on('message', (m: WorkerMessage) => {
          if (m.type === 'progress') progress(m.done);
          else resolve(m.stats);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0) reject(new Error(`fuzz worker ${w} exited with ${code}`));
        });
      });
    }),
  );
  return parts.reduce(mergeStats, emptyStats());
}

function byCount<T>(entries: Array<[string, T]>, count: (t: T) => number): Array<[string, T]> {
  return entries.sort((a, b) => count(b[1]) - count(a[1]) || a[0].localeCompare(b[0]));
}

/** Prints what the run found; returns whether anything needs fixing or documenting. */
function report(stats: FuzzStats, seconds: number): boolean {
  const llhttp = new Llhttp();
  console.log(`\n${formatInt(stats.inputs)} inputs in ${seconds.toFixed(1)} s: ${formatInt(stats.inputs / seconds)} inputs/s`);
  console.log('\nfirst request, ours/llhttp:');
  for (const [k, n] of byCount(Object.entries(stats.firstVerdicts), (n) => n)) console.log(`  ${formatInt(n).padStart(10)}  ${k}`);

  const deliberateTotal = Object.values(stats.deliberate).reduce((a, b) => a + b, 0);
  console.log(`\ndeliberate differences (servers/core/llhttp-differences.ts): ${formatInt(deliberateTotal)} inputs`);
  for (const d of LLHTTP_DIFFERENCES) console.log(`  ${formatInt(stats.deliberate[d.name] ?? 0).padStart(10)}  ${d.name}`);

  const waits = byCount(Object.entries(stats.refusedVsWaiting), (e) => e.count);
  console.log(`\nrefused by one parser while the other waits for more bytes (not differences: both refuse once the input ends): ${waits.length} kinds`);
  for (const [sig, e] of waits) console.log(`  ${formatInt(e.count).padStart(10)}  ${sig}`);

  const undocumented = byCount(Object.entries(stats.undocumented), (e) => e.count);
  console.log(`\nundocumented differences: ${undocumented.length === 0 ? 'none' : `${undocumented.length} kinds`}`);
  for (const [sig, e] of undocumented) {
    const small = minimizeDifference(Buffer.from(e.input, 'latin1'), sig, llhttp);
    const d = compareRuns(runOurs(small), llhttp.run(small)).difference;
    console.log(`  ${formatInt(e.count).padStart(10)}  ${sig}`);
    console.log(`              input #${e.index} (mutations: ${e.mutations}), minimized to ${small.length} bytes: ${escapeBytes(small)}`);
    if (d !== null) console.log(`              request ${d.index + 1}: ours ${describeResult(d.ours)}\n              llhttp ${describeResult(d.llhttp)}`);
  }

  const splits = byCount(Object.entries(stats.splitDependent), (e) => e.count);
  console.log(`\nverdicts that depend on how the input is cut: ${splits.length === 0 ? 'none' : `${splits.length} kinds`}`);
  for (const [sig, e] of splits) {
    const input = Buffer.from(e.input, 'latin1');
    const small = minimizeSplitDependence(input, sig);
    console.log(`  ${formatInt(e.count).padStart(10)}  ${sig}`);
    console.log(
      `              input #${e.index}${small === null ? ` (only under random cuts): ${escapeBytes(input)}` : `, minimized to ${small.length} bytes: ${escapeBytes(small)}`}`,
    );
    const s = small === null ? null : splitDependence(small, runOurs(small), () => 0, 0, true);
    const detail = s === null ? e.detail : `${s.how}: ${JSON.stringify(s.split)}; whole: ${JSON.stringify(s.whole)}`;
    console.log(`              ${detail.length > 600 ? `${detail.slice(0, 600)}…` : detail}`);
  }
  return undocumented.length > 0 || splits.length > 0;
}

async function main(argv: string[]): Promise<number> {
  try {
    program.parse(argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
    throw e;
  }
  const o = program.opts<Options>();
  if (o.llhttpCases !== undefined) return (await replayLlhttpCases(o.llhttpCases)) ? 1 : 0;
  const seed = o.seed ?? Math.floor(Math.random() * 0x100000000);
  const options: ExamineOptions = { ...DEFAULT_EXAMINE, everySplit: o.everySplit === true };
  console.log(
    `fuzz: ${formatInt(o.inputs)} inputs, seed ${seed}, ${o.workers} worker thread(s); Node ${process.version}, llhttp ${process.versions.llhttp} (strict); ` +
      `each input also fed through the resumable scanner alone, one byte at a time and at ${options.randomSplits} random cuts${options.everySplit ? ', and in two at every boundary' : ''}`,
  );
  const started = performance.now();
  const stats = await fuzz(seed, o.inputs, Math.min(o.workers, o.inputs), options);
  const found = report(stats, (performance.now() - started) / 1_000);
  console.log(`\nseed ${seed}: ${found ? 'findings above (exit 1)' : 'no undocumented difference, no split-dependent verdict'}`);
  return found ? 1 : 0;
}

main(process.argv).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
