// cbench bench: verify every variant, drive load at it, write results/<run>/results.json and a
// report; or, with --against REF, the A/B run against another build.

import { type Command, Option } from 'commander';
import { DEFAULT_LOADGEN, type LoadgenName, loadgenNames, loadgens } from '../../bench/loadgen/registry.js';
import { type ProfileName, profileNames, profiles, type RunSettings, type WorkloadName, workloadNames } from '../../bench/scenarios.js';
import { DEFAULT_THRESHOLDS } from '../../bench/thresholds.js';
import { variantNames } from '../../servers/variants/registry.js';
import { firstLine } from '../../shared/first-line.js';
import { CommandFailed, EXIT_USAGE, integer, intList, listOf, nonNegative, positiveSeconds, usageOnError } from '../cli.js';

/** What `cbench bench` parses its flags into. */
interface BenchFlags {
  profile: ProfileName;
  variants?: string[];
  workloads?: WorkloadName[];
  connections?: number[];
  pipelining?: number[];
  duration?: number;
  repetitions?: number;
  warmup?: number;
  out: string;
  pin: boolean;
  loadgen: LoadgenName;
  against?: string;
  failOnRegression?: boolean;
}

/** An A/B run needs enough samples per side for a significance test to mean anything. */
const AB_MIN_REPETITIONS = 6;

export function register(program: Command): void {
  usageOnError(program.command('bench'))
    .description('verify every variant, drive load at it, and write results/<run>/results.json')
    .addOption(
      new Option('--profile <name>', 'quick: every variant × workload at one concurrency (≤ 4 min); full: the whole sweep; smoke: a blink of each')
        .choices(profileNames)
        .default('quick'),
    )
    .addOption(new Option('--variants <list>', `comma-separated: ${variantNames.join(', ')}`).argParser(listOf(variantNames, 'variant')))
    .addOption(new Option('--workloads <list>', `comma-separated: ${workloadNames.join(', ')}`).argParser(listOf(workloadNames, 'workload')))
    .addOption(new Option('--connections <list>', 'comma-separated connection counts').argParser(intList))
    .addOption(new Option('--pipelining <list>', 'comma-separated pipelining depths (plaintext only)').argParser(intList))
    .addOption(new Option('--duration <seconds>', 'seconds per repetition').argParser(positiveSeconds('--duration')))
    .addOption(new Option('--repetitions <n>', 'measured repetitions per cell').argParser(integer(1, 1000)))
    .addOption(new Option('--warmup <seconds>', 'discarded warm-up per cell').argParser(nonNegative('--warmup')))
    .addOption(new Option('--out <dir>', 'where run folders are written').default('results'))
    .addOption(new Option('--no-pin', 'do not pin the server and the load generator to separate CPUs'))
    .addOption(new Option('--loadgen <name>', 'load generator').choices(loadgenNames).default(DEFAULT_LOADGEN))
    .addOption(new Option('--against <git-ref>', 'A/B: build the ref in a temporary worktree and measure it against this tree, alternating, and compare'))
    .addOption(new Option('--fail-on-regression', 'with --against: exit 1 on a regression, or when this tree cannot be measured'))
    .action(async (o: BenchFlags, cmd: Command) => {
      const loadgen = loadgens[o.loadgen];
      if (!loadgen.available()) cmd.error(`error: ${loadgen.name} is not available here; install ${loadgen.install}`, { exitCode: EXIT_USAGE });
      const p = profiles[o.profile];
      const settings: RunSettings = {
        variants: o.variants ?? [...variantNames],
        workloads: o.workloads ?? p.workloads,
        connections: o.connections ?? p.connections,
        pipelining: o.pipelining ?? p.pipelining,
        durationSec: o.duration ?? p.durationSec,
        warmupSec: o.warmup ?? p.warmupSec,
        repetitions: o.repetitions ?? (o.against === undefined ? p.repetitions : Math.max(AB_MIN_REPETITIONS, p.repetitions)),
        capacity: p.capacity,
        targets: null,
      };
      if (o.against === undefined) await plain(settings, o);
      else await ab(o.against, settings, o, cmd);
    });
}

async function plain(settings: RunSettings, o: BenchFlags): Promise<void> {
  const { runBenchmark } = await import('../../bench/runner.js');
  const { writeReport } = await import('../../bench/report/write.js');
  const { summaryTable } = await import('../../bench/report/summary.js');
  const { whyNot } = await import('../../bench/results.js');
  const { results, dir } = await runBenchmark({ settings, profile: o.profile, loadgen: loadgens[o.loadgen], pin: o.pin, outDir: o.out });
  const report = await writeReport(dir);
  process.stdout.write(`\n${summaryTable(results)}\n\nresults: ${dir}/results.json\nreport:  ${report.html}\n`);
  const bad = results.variants.filter((v) => v.status !== 'ok');
  if (bad.length > 0) {
    process.stderr.write(`not measured in full: ${bad.map((v) => `${v.name} (${whyNot(v)})`).join('; ')}\n`);
    process.exitCode = 1;
  }
}

async function ab(ref: string, settings: RunSettings, o: BenchFlags, cmd: Command): Promise<void> {
  const { headFailures, runAb } = await import('../../bench/ab.js');
  const { renderTerminal } = await import('../../bench/compare.js');
  let run: Awaited<ReturnType<typeof runAb>>;
  try {
    run = await runAb({
      ref,
      settings,
      profile: o.profile,
      loadgen: loadgens[o.loadgen],
      pin: o.pin,
      outDir: o.out,
      compare: { test: 'welch', seed: 1, thresholds: DEFAULT_THRESHOLDS },
    });
  } catch (e) {
    if (/unknown git ref/.test(firstLine(e))) cmd.error(`error: ${firstLine(e)}`, { exitCode: EXIT_USAGE });
    throw new CommandFailed(firstLine(e));
  }
  const { report, dir } = run;
  const regressions = report.rows.filter((r) => r.regression).length;
  // A head build that fails (refused, does not start, crashes or stops answering) is worse than a
  // slower one: it must not pass the gate. A base that fails is not the change's doing.
  const failures = headFailures(run.head);
  process.stdout.write(
    `\n${renderTerminal(report)}\n${regressions === 0 ? 'no regression' : `${regressions} regression(s)`}` +
      `${failures.length === 0 ? '' : `; this tree's build failed: ${failures.join('; ')}`}\n\n` +
      `base: ${dir}/base/results.json\nhead: ${dir}/head/results.json\ncomparison: ${dir}/comparison.md\n`,
  );
  if (o.failOnRegression === true && (regressions > 0 || failures.length > 0)) process.exitCode = 1;
}
