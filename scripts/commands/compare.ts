// cbench compare BASE HEAD: two runs cell by cell, with statistics, and a verdict on regressions.

import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Command, Option } from 'commander';
import { DEFAULT_THRESHOLDS } from '../../bench/analysis/thresholds.js';
import type { Results } from '../../bench/results/results.js';
import { firstLine } from '../../shared/first-line.js';
import { CommandFailed, collect, EXIT_USAGE, FORMAT_HELP, integer, nonNegative, usageOnError } from '../cli.js';

/** What `cbench compare` parses its flags into. */
interface CompareFlags {
  markdown?: string;
  failOnRegression?: boolean;
  test: 'welch' | 'mann-whitney';
  thresholdRps: number;
  thresholdCpu: number;
  thresholdP99: number;
  thresholdRss?: number;
  thresholdCapacity: number;
  seed: number;
  format: string[];
}

const percent = (flag: string) => nonNegative(flag, 'percent');

export function register(program: Command): void {
  usageOnError(program.command('compare'))
    .description('compare two runs cell by cell, with statistics, and tell whether a change is a regression')
    .argument('<base>', "results.json or run folder of the baseline, or an A/B run's folder alone (its base against its head, as pairs)")
    .argument('[head]', 'results.json or run folder of the change')
    .addOption(new Option('--markdown <file>', 'also write the comparison as Markdown (for a pull-request comment)'))
    .addOption(new Option('--fail-on-regression', 'exit 1 when a change is significant after correction and beyond its threshold'))
    .addOption(new Option('--test <name>', 'significance test').choices(['welch', 'mann-whitney']).default('welch'))
    .addOption(
      new Option('--threshold-rps <pct>', 'requests/s drop that counts as a regression')
        .argParser(percent('--threshold-rps'))
        .default(DEFAULT_THRESHOLDS.requestsPerSec),
    )
    .addOption(
      new Option('--threshold-cpu <pct>', 'CPU per request rise that counts')
        .argParser(percent('--threshold-cpu'))
        .default(DEFAULT_THRESHOLDS.serverCpuUsPerRequest),
    )
    .addOption(
      new Option('--threshold-p99 <pct>', 'p99 latency rise that counts').argParser(percent('--threshold-p99')).default(DEFAULT_THRESHOLDS.latencyP99Ms),
    )
    .addOption(new Option('--threshold-rss <pct>', 'peak RSS rise that counts (default: RSS is not gated)').argParser(percent('--threshold-rss')))
    .addOption(
      new Option('--threshold-capacity <pct>', 'capacity drop (capacity runs) that counts')
        .argParser(percent('--threshold-capacity'))
        .default(DEFAULT_THRESHOLDS.capacityRps),
    )
    .addOption(new Option('--seed <n>', 'seed of the bootstrap').argParser(integer(0, 2 ** 31)).default(1))
    .addOption(
      new Option('--format <list>', `${FORMAT_HELP} (the head's figures and the comparison, in the A/B folder or the head's run folder)`)
        .argParser(collect)
        .default([]),
    )
    .action(async (basePath: string, headPath: string | undefined, o: CompareFlags, cmd: Command) => {
      const { abSides, readResults, writeFileAtomic } = await import('../../bench/results/store.js');
      const { compare, renderMarkdown, renderTerminal, underpoweredSummary } = await import('../../bench/analysis/compare.js');
      // One A/B run's folder (alone, or named twice): its two sides, sampled in pairs.
      const ab = abSides(basePath);
      const sameFolder = headPath !== undefined && existsSync(headPath) && existsSync(basePath) && realpathSync(headPath) === realpathSync(basePath);
      if (headPath === undefined && ab === null) {
        cmd.error(`error: ${basePath} is not an A/B run's folder (with base/ and head/): give two runs to compare`, { exitCode: EXIT_USAGE });
      }
      const paths = ab !== null && (headPath === undefined || sameFolder) ? ab : { base: basePath, head: headPath as string };
      const { measuredCells, parseCiFormats, writeCiFormats } = await import('../../bench/report/ci-formats.js');
      let formats: ReturnType<typeof parseCiFormats> = [];
      try {
        formats = parseCiFormats(o.format);
      } catch (e) {
        cmd.error(`error: --format: ${firstLine(e)}`, { exitCode: EXIT_USAGE });
      }
      let base: Results;
      let head: Results;
      try {
        base = readResults(paths.base);
        head = readResults(paths.head);
      } catch (e) {
        throw new CommandFailed(firstLine(e));
      }
      const report = compare(base, head, {
        paired: paths === ab,
        test: o.test,
        seed: o.seed,
        thresholds: {
          requestsPerSec: o.thresholdRps,
          serverCpuUsPerRequest: o.thresholdCpu,
          latencyP99Ms: o.thresholdP99,
          serverPeakRssBytes: o.thresholdRss ?? Infinity,
          capacityRps: o.thresholdCapacity,
        },
      });
      if (report.rows.length === 0) {
        const why = report.unjudged.map((u) => `${u.variant} ${u.cell ?? '(every cell)'}: ${u.reason}`);
        throw new CommandFailed(
          `${paths.base} and ${paths.head} share no measured cell with at least two repetitions each to compare${why.length === 0 ? '' : ` (${why.slice(0, 3).join('; ')}${why.length > 3 ? '; …' : ''})`}`,
        );
      }
      process.stdout.write(`${renderTerminal(report)}\n`);
      if (o.markdown !== undefined) writeFileAtomic(o.markdown, renderMarkdown(report, base, head));
      const formatDir = paths === ab ? basePath : existsSync(paths.head) && statSync(paths.head).isDirectory() ? paths.head : dirname(paths.head);
      for (const file of writeCiFormats(formatDir, formats, { cells: measuredCells(head), objectives: head.objectives, comparison: report }))
        process.stdout.write(`wrote ${file}\n`);
      const regressions = report.rows.filter((r) => r.regression);
      const weak = underpoweredSummary(report);
      process.stdout.write(`${regressions.length === 0 ? 'no regression' : `${regressions.length} regression(s)`}${weak === '' ? '' : `; ${weak}`}\n`);
      if (o.failOnRegression === true && regressions.length > 0) process.exitCode = 1;
    });
}
