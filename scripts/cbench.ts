#!/usr/bin/env node

// cbench: the command line of concurrency-bench.

import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_LOADGEN, type LoadgenName, loadgenNames, loadgens } from '../bench/loadgen/registry.js';
// Loaded when a command needs them (the report's charts alone take ~0.3 s), so that `serve`,
// which the harness starts for every measurement, is up in a fraction of that.
import type { Results } from '../bench/results.js';
import { type ProfileName, profileNames, profiles, type RunSettings, type WorkloadName, workloadNames } from '../bench/scenarios.js';
import { DEFAULT_THRESHOLDS } from '../bench/thresholds.js';
import { isVariantName, variantNames, variants } from '../servers/variants/registry.js';
import type { RunningServer, ServerVariant, VariantOption } from '../servers/variants/types.js';
import { infoLine, listeningLine } from '../shared/serve-protocol.js';
import { addVariant, NewVariantError } from './new-variant.js';

/** Exit status for a usage error (bad flag or value), as most Unix tools use. */
const EXIT_USAGE = 2;

function integer(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return Number(value);
  };
}

/** What `cbench compare` parses its flags into. */
interface CompareFlags {
  markdown?: string;
  failOnRegression?: boolean;
  test: 'welch' | 'mann-whitney';
  thresholdRps: number;
  thresholdCpu: number;
  thresholdP99: number;
  thresholdRss?: number;
  seed: number;
}

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

function listOf<T extends string>(valid: readonly T[], what: string) {
  return (value: string): T[] => {
    const items = value.split(',').map((x) => x.trim());
    for (const item of items) {
      if (!(valid as readonly string[]).includes(item)) throw new InvalidArgumentError(`unknown ${what} '${item}' (valid: ${valid.join(', ')})`);
    }
    return items as T[];
  };
}

function intList(value: string): number[] {
  const items = value.split(',').map((x) => x.trim());
  if (items.some((x) => !/^\d+$/.test(x) || Number(x) < 1)) throw new InvalidArgumentError('expected comma-separated integers of 1 or more');
  return items.map(Number);
}

function positiveNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a number of seconds above 0`);
    return n;
  };
}

function nonNegativeNumber(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a number of seconds, 0 or more`);
    return n;
  };
}

function variantName(value: string): string {
  if (!isVariantName(value)) throw new InvalidArgumentError(`unknown variant '${value}' (known: ${variantNames.join(', ')})`);
  return value;
}

/** Prints a usage error as one line plus the usage, instead of the whole help. */
function usageOnError(cmd: Command): Command {
  return cmd.showHelpAfterError(`usage: ${commandPath(cmd)} ${cmd.usage()}`).exitOverride();
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Every variant's own options, by flag, with the variants that offer each. */
function variantOptions(): Map<string, { option: VariantOption; owners: string[] }> {
  const byFlag = new Map<string, { option: VariantOption; owners: string[] }>();
  for (const name of variantNames) {
    for (const option of variants[name].options ?? []) {
      const entry = byFlag.get(option.flag);
      if (entry === undefined) byFlag.set(option.flag, { option, owners: [name] });
      else entry.owners.push(name);
    }
  }
  return byFlag;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

async function serve(opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const name = String(opts.variant);
  if (!isVariantName(name)) throw new Error('unreachable: variant validated by the parser');
  const variant: ServerVariant = variants[name];
  const own = new Set((variant.options ?? []).map((o) => o.flag));
  const extra: Record<string, string | number> = {};
  for (const [flag] of variantOptions()) {
    const value = opts[camel(flag)];
    if (value === undefined) continue;
    if (!own.has(flag))
      cmd.error(`error: --${flag} does not apply to ${name} (it is an option of ${variantOptions().get(flag)?.owners.join(', ')})`, { exitCode: EXIT_USAGE });
    extra[flag] = value as string | number;
  }
  for (const option of variant.options ?? []) extra[option.flag] ??= option.default;
  if (opts.workers !== undefined && !variant.usesWorkers)
    cmd.error(`error: --workers does not apply to ${name}, which runs one process and one thread`, { exitCode: EXIT_USAGE });
  const workers = (opts.workers as number | undefined) ?? availableParallelism();
  let server: RunningServer;
  try {
    server = await variant.start({ port: opts.port as number, host: opts.host as string, workers, extra });
  } catch (e) {
    process.stderr.write(`cbench serve: ${variant.name} failed to start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(listeningLine(server.host, server.port));
  const info = infoLine(variant.name, { ...(variant.usesWorkers ? { workers } : {}), ...server.info });
  if (info !== null) process.stderr.write(info);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`cbench serve: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    server.close(3_000).then(
      () => process.exit(0),
      (e: Error) => {
        process.stderr.write(`cbench serve: shutdown failed: ${e.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export function buildProgram(): Command {
  const program = usageOnError(new Command('cbench'))
    .description('Which concurrency model should a Node.js HTTP server use? Honest numbers from one shared HTTP/1.1 core.')
    .usage('<command> [options]')
    .showSuggestionAfterError();

  usageOnError(program.command('list'))
    .description('list the server variants')
    .action(() => {
      const width = Math.max(...variantNames.map((n) => n.length));
      for (const name of variantNames) {
        const v: ServerVariant = variants[name];
        process.stdout.write(`${name.padEnd(width)}  ${v.model.padEnd(13)}  ${v.description}\n`);
        for (const o of v.options ?? [])
          process.stdout.write(`${''.padEnd(width)}  ${''.padEnd(13)}    --${o.flag}: ${o.description} (default ${o.default})\n`);
      }
    });

  const serveCommand = usageOnError(program.command('serve'))
    .description('run one server variant in the foreground until SIGINT or SIGTERM')
    .addOption(new Option('--variant <name>', `server variant: ${variantNames.join(', ')}`).argParser(variantName).makeOptionMandatory())
    .addOption(new Option('--port <n>', 'port to listen on; 0 picks a free one').argParser(integer(0, 65535)).default(3000))
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .addOption(
      new Option(
        '--workers <n>',
        `processes or threads, for ${variantNames.filter((n) => variants[n].usesWorkers).join(', ')} (default: available CPUs)`,
      ).argParser(integer(1, 1024)),
    );
  for (const [flag, { option, owners }] of variantOptions()) {
    const o = new Option(`--${flag} <value>`, `${owners.join(', ')}: ${option.description} (default ${option.default})`);
    if (option.choices !== undefined) o.choices(option.choices);
    if (option.integer !== undefined) o.argParser(integer(option.integer.min, option.integer.max));
    serveCommand.addOption(o);
  }
  serveCommand.action(serve);

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
    .addOption(new Option('--duration <seconds>', 'seconds per repetition').argParser(positiveNumber('--duration')))
    .addOption(new Option('--repetitions <n>', 'measured repetitions per cell').argParser(integer(1, 1000)))
    .addOption(new Option('--warmup <seconds>', 'discarded warm-up per cell').argParser(nonNegativeNumber('--warmup')))
    .addOption(new Option('--out <dir>', 'where run folders are written').default('results'))
    .addOption(new Option('--no-pin', 'do not pin the server and the load generator to separate CPUs'))
    .addOption(new Option('--loadgen <name>', 'load generator').choices(loadgenNames).default(DEFAULT_LOADGEN))
    .addOption(new Option('--against <git-ref>', 'A/B: build the ref in a temporary worktree and measure it against this tree, alternating, and compare'))
    .addOption(new Option('--fail-on-regression', 'with --against: exit 1 when the comparison finds a regression'))
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
        // A/B needs enough samples per side for a significance test to mean anything.
        repetitions: o.repetitions ?? (o.against === undefined ? p.repetitions : Math.max(6, p.repetitions)),
      };
      if (o.against !== undefined) {
        const { runAb } = await import('../bench/ab.js');
        const { renderTerminal } = await import('../bench/compare.js');
        let ab: Awaited<ReturnType<typeof runAb>>;
        try {
          ab = await runAb({
            ref: o.against,
            settings,
            profile: o.profile,
            loadgen,
            pin: o.pin,
            outDir: o.out,
            compare: { test: 'welch', seed: 1, thresholds: DEFAULT_THRESHOLDS },
          });
        } catch (e) {
          cmd.error(`error: ${(e as Error).message.split('\n')[0]}`, { exitCode: /unknown git ref/.test((e as Error).message) ? EXIT_USAGE : 1 });
        }
        const regressions = ab.rows.filter((r) => r.regression).length;
        process.stdout.write(
          `\n${renderTerminal(ab.rows)}\n${regressions === 0 ? 'no regression' : `${regressions} regression(s)`}\n\nbase: ${ab.dir}/base/results.json\nhead: ${ab.dir}/head/results.json\ncomparison: ${ab.dir}/comparison.md\n`,
        );
        if (o.failOnRegression === true && regressions > 0) process.exitCode = 1;
        return;
      }
      const { runBenchmark, summaryTable } = await import('../bench/runner.js');
      const { writeReport } = await import('../bench/report/write.js');
      const { results, dir } = await runBenchmark({ settings, profile: o.profile, loadgen, pin: o.pin, outDir: o.out });
      const report = await writeReport(dir);
      process.stdout.write(`\n${summaryTable(results)}\n\nresults: ${dir}/results.json\nreport:  ${report.html}\n`);
      const bad = results.variants.filter((v) => v.status !== 'ok');
      if (bad.length > 0) {
        process.stderr.write(`not measured in full: ${bad.map((v) => `${v.name} (${v.status}: ${v.reason ?? ''})`).join('; ')}\n`);
        process.exitCode = 1;
      }
    });

  usageOnError(program.command('report'))
    .description('write report.md, report.html and charts/ beside a results.json')
    .argument('[results]', 'a results.json or run folder', 'results/latest')
    .action(async (path: string, _opts: unknown, cmd: Command) => {
      if (!existsSync(path)) cmd.error(`error: ${path} does not exist (run cbench bench first, or name a results.json)`, { exitCode: EXIT_USAGE });
      const { writeReport } = await import('../bench/report/write.js');
      let written: Awaited<ReturnType<typeof writeReport>>;
      try {
        written = await writeReport(path);
      } catch (e) {
        cmd.error(`error: ${(e as Error).message}`, { exitCode: 1 });
      }
      process.stdout.write(`wrote ${written.markdown}\nwrote ${written.html}\nwrote ${written.charts.length} charts in ${dirname(written.html)}/charts\n`);
    });

  usageOnError(program.command('compare'))
    .description('compare two runs cell by cell, with statistics, and tell whether a change is a regression')
    .argument('<base>', 'results.json or run folder of the baseline')
    .argument('<head>', 'results.json or run folder of the change')
    .addOption(new Option('--markdown <file>', 'also write the comparison as Markdown (for a pull-request comment)'))
    .addOption(new Option('--fail-on-regression', 'exit 1 when a change is significant after correction and beyond its threshold'))
    .addOption(new Option('--test <name>', 'significance test').choices(['welch', 'mann-whitney']).default('welch'))
    .addOption(
      new Option('--threshold-rps <pct>', 'requests/s drop that counts as a regression')
        .argParser(nonNegativeNumber('--threshold-rps'))
        .default(DEFAULT_THRESHOLDS.requestsPerSec),
    )
    .addOption(
      new Option('--threshold-cpu <pct>', 'CPU per request rise that counts')
        .argParser(nonNegativeNumber('--threshold-cpu'))
        .default(DEFAULT_THRESHOLDS.serverCpuUsPerRequest),
    )
    .addOption(
      new Option('--threshold-p99 <pct>', 'p99 latency rise that counts')
        .argParser(nonNegativeNumber('--threshold-p99'))
        .default(DEFAULT_THRESHOLDS.latencyP99Ms),
    )
    .addOption(new Option('--threshold-rss <pct>', 'peak RSS rise that counts (default: RSS is not gated)').argParser(nonNegativeNumber('--threshold-rss')))
    .addOption(new Option('--seed <n>', 'seed of the bootstrap').argParser(integer(0, 2 ** 31)).default(1))
    .action(async (basePath: string, headPath: string, o: CompareFlags, cmd: Command) => {
      const { readResults } = await import('../bench/results.js');
      const { compare, renderMarkdown, renderTerminal } = await import('../bench/compare.js');
      let base: Results;
      let head: Results;
      try {
        base = readResults(basePath);
        head = readResults(headPath);
      } catch (e) {
        cmd.error(`error: ${(e as Error).message}`, { exitCode: EXIT_USAGE });
      }
      const rows = compare(base, head, {
        test: o.test,
        seed: o.seed,
        thresholds: {
          requestsPerSec: o.thresholdRps,
          serverCpuUsPerRequest: o.thresholdCpu,
          latencyP99Ms: o.thresholdP99,
          serverPeakRssBytes: o.thresholdRss ?? Infinity,
        },
      });
      if (rows.length === 0) cmd.error('error: the two runs share no cell with at least two repetitions to compare', { exitCode: EXIT_USAGE });
      process.stdout.write(`${renderTerminal(rows)}\n`);
      if (o.markdown !== undefined) writeFileSync(o.markdown, renderMarkdown(rows, base, head));
      const regressions = rows.filter((r) => r.regression);
      process.stdout.write(regressions.length === 0 ? 'no regression\n' : `${regressions.length} regression(s)\n`);
      if (o.failOnRegression === true && regressions.length > 0) process.exitCode = 1;
    });

  usageOnError(program.command('new-variant'))
    .description('write servers/variants/NAME.ts from a template and register it')
    .argument('<name>', 'kebab-case name of the new variant')
    .action((name: string, _opts: unknown, cmd: Command) => {
      const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
      try {
        for (const path of addVariant(root, name)) process.stdout.write(`wrote ${relative(process.cwd(), path) || path}\n`);
      } catch (e) {
        if (e instanceof NewVariantError) cmd.error(`error: ${e.message}`, { exitCode: EXIT_USAGE });
        throw e;
      }
      process.stdout.write(`run its conformance tests: npx vitest run servers/variants/conformance.test.ts -t "conformance: ${name}"\n`);
    });

  return program;
}

const program = buildProgram();
program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : EXIT_USAGE);
  }
  process.stderr.write(`cbench: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
