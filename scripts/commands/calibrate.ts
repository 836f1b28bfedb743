// cbench calibrate: how many repetitions an A/B run of these cells needs on this machine, from an
// A/A run's noise (bench/run/calibrate.ts), and what fits in a time budget.

import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_THRESHOLDS } from '../../bench/analysis/thresholds.js';
import { DEFAULT_LOADGEN, loadgens } from '../../bench/loadgen/registry.js';
import type { RunSettings } from '../../bench/plan/scenarios.js';
import { buildMatrix, workloadNames } from '../../bench/plan/scenarios.js';
import { variantNames } from '../../servers/variants/registry.js';
import { firstLine } from '../../shared/first-line.js';
import { CommandFailed, cpuAsk, cpuOptions, EXIT_USAGE, integer, intList, listOf, nonNegative, positiveSeconds, usageOnError } from '../cli.js';

interface CalibrateFlags {
  variants: string[];
  workloads: string[];
  connections: number[];
  pairs: number;
  duration: number;
  warmup: number;
  budget?: number;
  out: string;
  pin: boolean;
  serverCpus?: number;
  loadgenCpus?: number;
  json?: boolean;
}

/** A time budget: seconds, or a number with s, m or h (`20m`). */
export function budget(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value.trim());
  if (m === null || Number(m[1]) <= 0) throw new InvalidArgumentError('--budget must be a time above 0: seconds, or with s, m or h (e.g. 20m)');
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

export function register(program: Command): void {
  const command = usageOnError(program.command('calibrate'))
    .description(
      "measure this build against itself in pairs, as the A/B gate does, and print per cell the noise, the smallest change the run could catch, and the repetitions an A/B run needs for each metric's threshold",
    )
    .addOption(
      new Option('--variants <list>', `comma-separated: ${variantNames.join(', ')}`)
        .argParser(listOf(variantNames, 'variant'))
        .default(['single-loop', 'node-http']),
    )
    .addOption(
      new Option('--workloads <list>', `comma-separated: ${workloadNames.join(', ')}`)
        .argParser(listOf(workloadNames, 'workload'))
        .default(['plaintext', 'json']),
    )
    .addOption(new Option('--connections <list>', 'comma-separated connection counts').argParser(intList).default([64]))
    .addOption(new Option('--pairs <n>', 'pairs of samples per cell').argParser(integer(3, 1000)).default(6))
    .addOption(new Option('--duration <seconds>', 'seconds per sample, as the A/B run will use').argParser(positiveSeconds('--duration')).default(1))
    .addOption(new Option('--warmup <seconds>', 'warm-up per sample').argParser(nonNegative('--warmup')).default(0.5))
    .addOption(
      new Option('--budget <time>', 'time an A/B run of these cells may take (e.g. 20m): the repetitions that fit, and what they cannot judge').argParser(
        budget,
      ),
    )
    .addOption(new Option('--out <dir>', 'where the A/A run folder is written').default('results'))
    .addOption(new Option('--json', 'print the calibration as one JSON object'));
  cpuOptions(command).action(async (o: CalibrateFlags, cmd: Command) => {
    const cpus = await cpuAsk(o, (m) => cmd.error(`error: ${m}`, { exitCode: EXIT_USAGE }));
    const { runAb } = await import('../../bench/run/ab.js');
    const { calibrate, renderCalibration } = await import('../../bench/run/calibrate.js');
    const { formatTable } = await import('../../bench/lib/format.js');
    const { writeFileAtomic } = await import('../../bench/results/store.js');
    const settings: RunSettings = {
      variants: o.variants,
      workloads: o.workloads,
      connections: o.connections,
      pipelining: [1],
      durationSec: o.duration,
      warmupSec: o.warmup,
      repetitions: o.pairs,
      capacity: null,
      targets: null,
    };
    const started = Date.now();
    let run: Awaited<ReturnType<typeof runAb>>;
    try {
      run = await runAb({
        ref: null,
        settings,
        profile: 'calibrate',
        loadgen: loadgens[DEFAULT_LOADGEN],
        pin: o.pin,
        cpus,
        outDir: o.out,
        compare: { test: 'welch', seed: 1, thresholds: DEFAULT_THRESHOLDS },
        log: o.json === true ? () => {} : undefined,
      });
    } catch (e) {
      throw new CommandFailed(firstLine(e));
    }
    if (run.report.rows.length === 0)
      throw new CommandFailed(`no cell could be compared: ${run.report.unjudged.map((u) => `${u.variant} ${u.cell ?? ''}: ${u.reason}`).join('; ')}`);
    const cells = buildMatrix(settings).length;
    const c = calibrate(run.report, run.base, run.head, { pairs: o.pairs, cells }, (Date.now() - started) / 1000, o.budget ?? null);
    const json = { ...c, durationSec: o.duration, warmupSec: o.warmup, dir: run.dir };
    writeFileAtomic(join(run.dir, 'calibration.json'), `${JSON.stringify(json, null, 2)}\n`);
    if (o.json === true) {
      process.stdout.write(`${JSON.stringify(json)}\n`);
      return;
    }
    const { table, advice } = renderCalibration(c, o.duration, o.warmup);
    process.stdout.write(`\n${formatTable(table)}\n\n${advice.join('\n')}\n\nA/A run: ${run.dir} (calibration.json beside it)\n`);
  });
}
