// cbench bench: verify every variant, drive load at it, write results/<run>/results.json and a
// report; or, with --against REF, the A/B run against another build.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Objective } from '../../bench/analysis/objectives.js';
import { DEFAULT_THRESHOLDS } from '../../bench/analysis/thresholds.js';
import type { SshHost } from '../../bench/lib/ssh.js';
import { DEFAULT_LOADGEN, type LoadgenName, loadgenNames, loadgens } from '../../bench/loadgen/registry.js';
import {
  appCatalog,
  workloads as builtinWorkloads,
  type CapacitySettings,
  type Catalog,
  DEFAULT_REFINE,
  DEFAULT_RESILIENCE,
  DEFAULT_SLO_P99_MS,
  expandHeavyShares,
  HEAVY_SHARES,
  hasHeavyShare,
  heavyShareOf,
  type ProfileName,
  parseRate,
  profileNames,
  profiles,
  type ResilienceSettings,
  type RunSettings,
  resolveWorkload,
  type TargetSpec,
  workloadNames,
} from '../../bench/plan/scenarios.js';
import type { CiFormat, CiFormatInputs } from '../../bench/report/ci-formats.js';
import type { Results } from '../../bench/results/results.js';
import { AppError } from '../../servers/routes/app.js';
import { variantNames, variants } from '../../servers/variants/registry.js';
import { PROJECT_ROOT } from '../../shared/built.js';
import { firstLine } from '../../shared/first-line.js';
import {
  CommandFailed,
  collect,
  cpuAsk,
  cpuOptions,
  EXIT_OBJECTIVE_FAILED,
  EXIT_USAGE,
  FORMAT_HELP,
  hostList,
  integer,
  intList,
  listOf,
  nonNegative,
  positiveSeconds,
  THRESHOLD_HELP,
  usageOnError,
} from '../cli.js';

/** What `cbench bench` parses its flags into. */
interface BenchFlags {
  profile: ProfileName;
  variants?: string[];
  workloads?: string[];
  heavyShare?: number[] | true;
  app?: string;
  workers?: number[];
  serverCpus?: number;
  loadgenCpus?: number;
  loadgenHosts?: SshHost[];
  serverHost?: SshHost;
  remoteDir: string;
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
  threshold: string[];
  format: string[];
  rates?: string[];
  sloP99?: number;
  arrivals?: 'constant' | 'poisson';
  refine?: number;
  target?: TargetSpec[];
  targetPid?: Array<{ name: string | null; pid: number }>;
  verify: boolean;
  idleConnections?: number;
  slowlorisConnections?: number;
  ordinaryRate?: number;
  attackWindow?: number;
  pipelinedRequests?: number;
  headersTimeout?: number;
  keepAliveTimeout?: number;
}

/** The flags of the resilience profile, as commander names them and as the command line spells them. */
const RESILIENCE_FLAGS = {
  idleConnections: '--idle-connections',
  slowlorisConnections: '--slowloris-connections',
  ordinaryRate: '--ordinary-rate',
  attackWindow: '--attack-window',
  pipelinedRequests: '--pipelined-requests',
  headersTimeout: '--headers-timeout',
  keepAliveTimeout: '--keep-alive-timeout',
} as const satisfies Partial<Record<keyof BenchFlags, string>>;

/** What the resilience profile runs instead of cells: the flags that choose cells do not apply to it. */
const CELL_FLAGS = {
  workloads: '--workloads',
  heavyShare: '--heavy-share',
  app: '--app',
  connections: '--connections',
  pipelining: '--pipelining',
  duration: '--duration',
  repetitions: '--repetitions',
  warmup: '--warmup',
  rates: '--rates',
  sloP99: '--slo-p99',
  arrivals: '--arrivals',
  refine: '--refine',
  target: '--target',
  against: '--against',
} as const satisfies Partial<Record<keyof BenchFlags, string>>;

/** An A/B run needs enough samples per side for a significance test to mean anything. */
const AB_MIN_REPETITIONS = 6;

export function register(program: Command): void {
  const command = usageOnError(program.command('bench'))
    .description('verify every variant, drive load at it, and write results/<run>/results.json')
    .addOption(
      new Option(
        '--profile <name>',
        "quick: every variant × workload at one concurrency (≤ 4 min); full: the whole sweep; mixes: head-of-line blocking, each mix at 0/1/5/20% heavy requests; capacity: latency against offered load, capacity at a p99 objective; smoke: a blink of each; scaling: cluster, worker-pool and offload at 1, 2, 4, … workers up to the server's CPUs, single-loop beside them; resilience: an idle flood with slowloris, a pipelining flood and a killed worker, instead of the cells",
      )
        .choices(profileNames)
        .default('quick'),
    )
    .addOption(new Option('--variants <list>', `comma-separated: ${variantNames.join(', ')}`).argParser(listOf(variantNames, 'variant')))
    .addOption(
      new Option('--workloads <list>', `comma-separated: ${workloadNames.join(', ')}, an app's (--app), or a mix at a heavy share (mixed@20%)`).argParser(
        names,
      ),
    )
    .addOption(
      new Option(
        '--heavy-share [percents]',
        `measure every chosen mix with its heavy requests at each of these shares of the draws (default ${HEAVY_SHARES.join(',')})`,
      ).argParser(percentList),
    )
    .addOption(
      new Option(
        '--workers <list>',
        `processes or threads of ${variantNames.filter((n) => variants[n].usesWorkers).join(', ')}, each count a server of its own (e.g. 1,2,4,8: a scaling curve, counts above the server's CPUs left out) (default: one per CPU the server may use)`,
      ).argParser(workerList),
    )
    .addOption(new Option('--app <file>', 'an ES module of your own routes (and workloads) that every variant serves; its workloads join the built-in ones'))
    .addOption(new Option('--connections <list>', 'comma-separated connection counts').argParser(intList))
    .addOption(new Option('--pipelining <list>', 'comma-separated pipelining depths (plaintext only)').argParser(intList))
    .addOption(new Option('--duration <seconds>', 'seconds per repetition').argParser(positiveSeconds('--duration')))
    .addOption(new Option('--repetitions <n>', 'measured repetitions per cell').argParser(integer(1, 1000)))
    .addOption(new Option('--warmup <seconds>', 'discarded warm-up per cell').argParser(nonNegative('--warmup')))
    .addOption(new Option('--out <dir>', 'where run folders are written').default('results'))
    .addOption(new Option('--loadgen <name>', 'load generator').choices(loadgenNames).default(DEFAULT_LOADGEN))
    .addOption(new Option('--against <git-ref>', 'A/B: build the ref in a temporary worktree and measure it against this tree, alternating, and compare'))
    .addOption(new Option('--fail-on-regression', 'with --against: exit 1 on a regression, or when this tree cannot be measured'))
    .addOption(new Option('--threshold <expr>', `${THRESHOLD_HELP} (with --against: on this tree's figures)`).argParser(collect).default([]))
    .addOption(
      new Option('--format <list>', `${FORMAT_HELP} (with --against: this tree's figures and the comparison, in the A/B folder)`)
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option(
        '--rates <list>',
        'capacity run: offered rates after each closed-loop maximum, as % of it or req/s (e.g. 10%,50%,90%,110% or 500,1000)',
      ).argParser(rateList),
    )
    .addOption(
      new Option(
        '--slo-p99 <ms>',
        `capacity run: the latency objective, p99 at most MS for every workload (default: the profile's, else ${DEFAULT_SLO_P99_MS})`,
      ).argParser(positiveMs),
    )
    .addOption(new Option('--arrivals <kind>', 'capacity run: evenly spaced requests, or a Poisson process').choices(['constant', 'poisson']))
    .addOption(
      new Option(
        '--refine <n>',
        `capacity run: rates to add, at most, halving the gap between the capacity and the first miss (default ${DEFAULT_REFINE})`,
      ).argParser(integer(0, 10)),
    )
    .addOption(
      new Option('--target <[name=]url>', 'measure a server the suite did not start (repeatable); verified on the chosen workloads only').argParser(
        collectTarget,
      ),
    )
    .addOption(
      new Option(
        '--loadgen-hosts <list>',
        'drive the load from these hosts over OpenSSH (ssh://[user@]host[:port], comma-separated), one equal segment each, started together and merged; at a --target they reach',
      ).argParser(hostList),
    )
    .addOption(
      new Option(
        '--server-host <host>',
        'serve the variants on this host over OpenSSH (ssh://[user@]host[:port], also its HTTP address), from its checkout (--remote-dir)',
      ).argParser(oneHost),
    )
    .addOption(
      new Option('--remote-dir <dir>', "with --server-host or --loadgen-hosts: this project's checkout on those hosts, built, at this one's commit").default(
        PROJECT_ROOT,
      ),
    )
    .addOption(new Option('--target-pid <[name=]pid>', "a target's process on this machine, to record its CPU and memory (repeatable)").argParser(collectPid))
    .addOption(new Option('--no-verify', "with --target: measure without checking the target's answers first"))
    .addOption(
      new Option('--idle-connections <n>', `resilience: connections held without a byte sent (default ${DEFAULT_RESILIENCE.idleConnections})`).argParser(
        integer(0, 100_000),
      ),
    )
    .addOption(
      new Option(
        '--slowloris-connections <n>',
        `resilience: connections dripping a request head a byte a second (default ${DEFAULT_RESILIENCE.slowlorisConnections})`,
      ).argParser(integer(0, 100_000)),
    )
    .addOption(
      new Option('--ordinary-rate <rps>', `resilience: ordinary requests per second meanwhile (default ${DEFAULT_RESILIENCE.ordinaryRps})`).argParser(
        integer(1, 10_000),
      ),
    )
    .addOption(
      new Option(
        '--attack-window <seconds>',
        `resilience: how long ordinary requests are sent during the idle flood (default ${DEFAULT_RESILIENCE.windowSec}; longer than the servers' headers timeout)`,
      ).argParser(positiveSeconds('--attack-window')),
    )
    .addOption(
      new Option(
        '--pipelined-requests <n>',
        `resilience: requests of the pipelining flood (default ${DEFAULT_RESILIENCE.pipelinedRequests.toLocaleString('en-US')})`,
      ).argParser(integer(1, 10_000_000)),
    )
    // Hidden, as on cbench serve: the servers' timeouts, for tests that cannot wait out the defaults.
    .addOption(new Option('--headers-timeout <ms>', "resilience: the servers' headers timeout, ms").argParser(integer(1, 3_600_000)).hideHelp())
    .addOption(new Option('--keep-alive-timeout <ms>', "resilience: the servers' idle keep-alive timeout, ms").argParser(integer(1, 3_600_000)).hideHelp());
  cpuOptions(command).action(async (o: BenchFlags, cmd: Command) => {
    const loadgen = loadgens[o.loadgen];
    if (!loadgen.available()) cmd.error(`error: ${loadgen.name} is not available here; install ${loadgen.install}`, { exitCode: EXIT_USAGE });
    const usage = (message: string): never => cmd.error(`error: ${message}`, { exitCode: EXIT_USAGE });
    const p = profiles[o.profile];
    const resilience = resilienceSettings('resilience' in p ? (p.resilience ?? null) : null, o, usage);
    if (resilience !== null && o.loadgen !== 'builtin') usage('--profile resilience drives its load with its own clients and builtin; leave out --loadgen');
    const targets = o.target === undefined ? null : withPids(o.target, o.targetPid ?? [], usage);
    if (targets === null && o.targetPid !== undefined) usage('--target-pid names the process of a --target');
    if (targets === null && !o.verify) usage('--no-verify is for --target: a variant is always verified');
    if (targets !== null && o.variants !== undefined) usage('--target measures the given servers instead of variants; leave out --variants');
    if (targets !== null && o.against !== undefined) usage('--against builds and starts variants; it does not measure a --target');
    if (targets !== null && o.workers !== undefined) usage('--workers is for the variants the suite starts, not a --target');
    if (targets !== null && o.serverCpus !== undefined) usage('--server-cpus is for the variants the suite starts; a --target runs where it was started');
    if (o.workers !== undefined && o.workers.length > 1 && resilience !== null)
      usage("--profile resilience takes one --workers count (its killed worker's processes)");
    if (o.workers !== undefined && o.workers.length > 1 && o.against !== undefined)
      usage('--against compares one worker count; run one A/B per count, or a --profile scaling run of each build and `cbench compare` them');
    if (o.loadgenHosts !== undefined && targets === null && o.serverHost === undefined)
      usage('--loadgen-hosts drives load at a server those hosts can reach: serve the variants on a host with --server-host, or give one with --target URL');
    if (o.serverHost !== undefined && targets !== null) usage('--server-host serves the variants; a --target is served where it was started');
    if (o.serverHost !== undefined && o.against !== undefined)
      usage('--against builds another tree here; run each build on the server host and `cbench compare` the two runs');
    if (o.serverHost !== undefined && resilience !== null) usage('--profile resilience runs its attacks on this machine; leave out --server-host');
    if (o.serverHost !== undefined && o.app !== undefined) usage('--app is a file here; --server-host does not copy it to the server host yet');
    if (o.serverHost !== undefined && o.serverCpus !== undefined) usage("--server-cpus splits this machine's CPUs; a --server-host serves on its own");
    if (o.loadgenHosts !== undefined && o.loadgen !== 'builtin') usage('--loadgen-hosts runs the builtin generator on each host; leave out --loadgen');
    if (o.loadgenHosts === undefined && o.serverHost === undefined && cmd.getOptionValueSource('remoteDir') === 'cli')
      usage('--remote-dir is for --server-host and --loadgen-hosts');
    if (targets !== null && 'scaling' in p) usage('--profile scaling starts variants at each worker count; a --target runs as it was started');
    if ('scaling' in p && o.against !== undefined)
      usage('--against compares one worker count; run --profile scaling on each build and `cbench compare` the two runs');
    // A target is not pinned: the split only sets the generator's threads.
    const cpus = await cpuAsk({ ...o, pin: o.pin && targets === null }, usage);
    if (targets !== null && o.app !== undefined) usage('--app is served by the variants the suite starts; a --target serves its own routes');
    if (o.app !== undefined && o.against !== undefined)
      usage('--against builds another tree, which may not serve --app; run each build with --app and `cbench compare` the two runs');
    const app = o.app === undefined ? null : await loadChecked(o.app, usage);
    const catalog: Catalog = app === null ? builtinWorkloads : { ...builtinWorkloads, ...app.catalog };
    const workloadList = withShares(o.workloads ?? (app === null ? p.workloads : Object.keys(app.catalog)), o.heavyShare, catalog, usage);
    const capacity = capacitySettings(p.capacity, o, workloadList, usage);
    if (capacity !== null && !loadgen.openLoop) usage(`a capacity run needs an open-loop load generator; ${loadgen.name} has none (use --loadgen builtin)`);
    if (capacity !== null && o.against !== undefined)
      usage('--against does not run capacity sweeps; run each build with --profile capacity and `cbench compare` the two runs');
    const settings: RunSettings = {
      variants: targets?.map((t) => t.name) ?? o.variants ?? [...(('variants' in p ? p.variants : undefined) ?? variantNames)],
      workloads: workloadList,
      connections: o.connections ?? p.connections,
      pipelining: o.pipelining ?? p.pipelining,
      durationSec: o.duration ?? p.durationSec,
      warmupSec: o.warmup ?? p.warmupSec,
      repetitions: o.repetitions ?? (o.against === undefined ? p.repetitions : Math.max(AB_MIN_REPETITIONS, p.repetitions)),
      capacity,
      targets,
      catalog,
      app: app?.file ?? null,
      workers: o.workers ?? null,
      scaling: 'scaling' in p && p.scaling === true,
      loadgenHosts: o.loadgenHosts === undefined ? null : { hosts: o.loadgenHosts, remoteDir: o.remoteDir },
      serverHost: o.serverHost === undefined ? null : { host: o.serverHost, remoteDir: o.remoteDir },
      ...(resilience === null ? {} : { resilience, durationSec: resilience.windowSec }),
    };
    const { parseObjective } = await import('../../bench/analysis/objectives.js');
    const objectives = o.threshold.map((t) => {
      try {
        return parseObjective(t);
      } catch (e) {
        return usage(`--threshold ${firstLine(e)}`);
      }
    });
    const { parseCiFormats } = await import('../../bench/report/ci-formats.js');
    let formats: CiFormat[] = [];
    try {
      formats = parseCiFormats(o.format);
    } catch (e) {
      usage(`--format: ${firstLine(e)}`);
    }
    const ask = { objectives, formats };
    if (o.against === undefined) await plain(settings, o, cpus, app?.routes ?? new Set(), ask);
    else await ab(o.against, settings, o, cpus, cmd, ask);
  });
}

/**
 * Checks the objectives on a run's results, records them in its results.json and prints the
 * table; true when every one passed (or there were none).
 */
async function objectivesHold(results: Results, dir: string, objectives: readonly Objective[]): Promise<boolean> {
  if (objectives.length === 0) return true;
  const { checkRun, renderObjectives } = await import('../../bench/analysis/objectives.js');
  const { writeResults } = await import('../../bench/results/store.js');
  const { formatTable } = await import('../../bench/lib/format.js');
  results.objectives = checkRun(results, objectives);
  writeResults(dir, results);
  const failed = results.objectives.filter((x) => !x.pass).length;
  process.stdout.write(
    `\n${formatTable(renderObjectives(results.objectives))}\n${failed === 0 ? 'every threshold held' : `${failed} of ${objectives.length} thresholds failed`}\n`,
  );
  return failed === 0;
}

/** What a run is checked against and written as, beyond results.json. */
interface Asked {
  objectives: readonly Objective[];
  formats: readonly CiFormat[];
}

/** Writes the formats asked for into `dir` and says where. */
async function writeFormats(dir: string, formats: readonly CiFormat[], what: CiFormatInputs): Promise<void> {
  if (formats.length === 0) return;
  const { writeCiFormats } = await import('../../bench/report/ci-formats.js');
  for (const file of writeCiFormats(dir, formats, what)) process.stdout.write(`wrote ${file}\n`);
}

async function plain(settings: RunSettings, o: BenchFlags, cpus: CpuSplit, claimed: ReadonlySet<string>, asked: Asked): Promise<void> {
  const { runBenchmark } = await import('../../bench/run/runner.js');
  const { writeReport } = await import('../../bench/report/write.js');
  const { terminalTables } = await import('../../bench/report/summary.js');
  const { unmeasuredScenarios, whyNot } = await import('../../bench/results/results.js');
  // Every other host answers, is built, and runs this version, before anything is measured.
  const { checkHosts } = await import('../../bench/loadgen/hosts.js');
  try {
    if (settings.serverHost !== null && settings.serverHost !== undefined)
      await checkHosts({ hosts: [settings.serverHost.host], remoteDir: settings.serverHost.remoteDir }, 'the server host');
    if (settings.loadgenHosts !== null && settings.loadgenHosts !== undefined) await checkHosts(settings.loadgenHosts);
  } catch (e) {
    throw new CommandFailed(firstLine(e));
  }
  const { results, dir } = await runBenchmark({
    settings,
    profile: o.profile,
    loadgen: loadgens[o.loadgen],
    pin: o.pin,
    cpus,
    outDir: o.out,
    noVerify: !o.verify,
    claimed,
  });
  const report = await writeReport(dir);
  process.stdout.write(`\n${terminalTables(results).join('\n\n')}\n\nresults: ${dir}/results.json\nreport:  ${report.html}\n`);
  const bad = results.variants.filter((v) => v.status !== 'ok');
  const failedScenarios = unmeasuredScenarios(results);
  if (bad.length > 0 || failedScenarios.length > 0) {
    process.stderr.write(`not measured in full: ${[...bad.map((v) => `${v.name} (${whyNot(v)})`), ...failedScenarios].join('; ')}\n`);
    process.exitCode = 1;
  }
  const held = await objectivesHold(results, dir, asked.objectives);
  const { measuredCells } = await import('../../bench/report/ci-formats.js');
  await writeFormats(dir, asked.formats, { cells: measuredCells(results), objectives: results.objectives, comparison: null });
  if (!held && process.exitCode === undefined) process.exitCode = EXIT_OBJECTIVE_FAILED;
}

async function ab(ref: string, settings: RunSettings, o: BenchFlags, cpus: CpuSplit, cmd: Command, asked: Asked): Promise<void> {
  const { headFailures, runAb } = await import('../../bench/run/ab.js');
  const { renderTerminal, underpoweredSummary } = await import('../../bench/analysis/compare.js');
  let run: Awaited<ReturnType<typeof runAb>>;
  try {
    run = await runAb({
      ref,
      settings,
      profile: o.profile,
      loadgen: loadgens[o.loadgen],
      pin: o.pin,
      cpus,
      outDir: o.out,
      compare: { test: 'welch', seed: 1, thresholds: DEFAULT_THRESHOLDS, paired: true },
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
  const weak = underpoweredSummary(report);
  process.stdout.write(
    `\n${renderTerminal(report)}\n${regressions === 0 ? 'no regression' : `${regressions} regression(s)`}` +
      `${failures.length === 0 ? '' : `; this tree's build failed: ${failures.join('; ')}`}${weak === '' ? '' : `; ${weak}`}\n\n` +
      `base: ${dir}/base/results.json\nhead: ${dir}/head/results.json\ncomparison: ${dir}/comparison.md\n`,
  );
  // A gate that could judge nothing (every cell failed, or too few steady pairs) must not pass.
  const judged = report.rows.some((r) => r.excluded === undefined);
  if (!judged) process.stderr.write('error: no comparison could be judged: the gate saw nothing\n');
  if (o.failOnRegression === true && (regressions > 0 || failures.length > 0 || !judged)) process.exitCode = 1;
  const held = await objectivesHold(run.head, join(dir, 'head'), asked.objectives);
  const { measuredCells } = await import('../../bench/report/ci-formats.js');
  await writeFormats(dir, asked.formats, { cells: measuredCells(run.head), objectives: run.head.objectives, comparison: report });
  if (!held && process.exitCode === undefined) process.exitCode = EXIT_OBJECTIVE_FAILED;
}

/** The CPU counts asked for (--server-cpus, --loadgen-cpus), checked. */
type CpuSplit = Awaited<ReturnType<typeof cpuAsk>>;

/** --server-host: one host. */
function oneHost(value: string): SshHost {
  const [h, ...more] = hostList(value);
  if (h === undefined || more.length > 0) throw new InvalidArgumentError('one host: ssh://[user@]host[:port]');
  return h;
}

/** --workers: counts from 1 to 1024, each once. */
function workerList(value: string): number[] {
  const items = intList(value);
  if (items.some((n) => n > 1024)) throw new InvalidArgumentError('expected worker counts from 1 to 1024');
  const twice = items.find((x, i) => items.indexOf(x) !== i);
  if (twice !== undefined) throw new InvalidArgumentError(`the count ${twice} is listed twice`);
  return [...items].sort((a, b) => a - b);
}

/** --workloads: names, checked once the app (if any) is loaded. */
function names(value: string): string[] {
  const items = value.split(',').map((x) => x.trim());
  if (items.some((x) => x === '')) throw new InvalidArgumentError('an empty name in the list');
  return items;
}

/** --heavy-share: percentages from 0 to 100. */
function percentList(value: string): number[] {
  const items = value.split(',').map((x) => x.trim().replace(/%$/, ''));
  for (const x of items) {
    if (!/^\d+(\.\d+)?$/.test(x) || Number(x) > 100)
      throw new InvalidArgumentError(`expected percentages from 0 to 100, like 0,1,5,20; got ${JSON.stringify(x)}`);
  }
  return items.map(Number);
}

/** The app, loaded and checked, with the workloads it adds and the routes it answers; a usage error with its one line otherwise. */
async function loadChecked(file: string, usage: (m: string) => never): Promise<{ file: string; catalog: Catalog; routes: ReadonlySet<string> }> {
  try {
    const { outlineApp } = await import('../../bench/plan/app-outline.js');
    const app = await outlineApp(file);
    return { file: app.file, catalog: appCatalog(app), routes: new Set(app.routes.keys()) };
  } catch (e) {
    if (e instanceof AppError) usage(e.message);
    throw e;
  }
}

/** The workload list with every mix at each heavy share asked for; every name checked against the catalog. */
function withShares(list: readonly string[], shares: number[] | true | undefined, catalog: Catalog, usage: (m: string) => never): string[] {
  for (const name of list) {
    try {
      resolveWorkload(name, catalog);
    } catch (e) {
      usage(firstLine(e));
    }
  }
  if (shares === undefined) return [...list];
  if (!list.some((n) => hasHeavyShare(resolveWorkload(heavyShareOf(n).base, catalog))))
    usage(`--heavy-share is for mixes of heavy and other requests (such as mixed, mixed-io); none of ${list.join(', ')} is one`);
  return expandHeavyShares(list, shares === true ? HEAVY_SHARES : shares, catalog);
}

/** --rates: each a share of the measured maximum (`50%`) or a rate in req/s. */
function rateList(value: string): string[] {
  const items = value.split(',').map((x) => x.trim());
  for (const item of items) {
    try {
      parseRate(item);
    } catch (e) {
      throw new InvalidArgumentError(firstLine(e));
    }
  }
  const twice = items.find((x, i) => items.indexOf(x) !== i);
  if (twice !== undefined) throw new InvalidArgumentError(`the rate ${twice} is listed twice`);
  return items;
}

function positiveMs(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of milliseconds above 0');
  return n;
}

/** --target [name=]url, repeatable: an http origin (no path: the workloads give it). */
function collectTarget(value: string, previous: TargetSpec[] = []): TargetSpec[] {
  const eq = value.indexOf('=');
  const named = eq > 0 && !value.slice(0, eq).includes(':');
  const text = named ? value.slice(eq + 1) : value;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(`not a URL: ${JSON.stringify(text)} (expected e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:') throw new InvalidArgumentError(`only http:// targets are supported, got ${url.protocol}`);
  if (url.pathname !== '/' || url.search !== '') throw new InvalidArgumentError(`give the origin only (${url.origin}); the workloads add their paths`);
  const name = named ? value.slice(0, eq) : url.host;
  if (previous.some((t) => t.name === name)) throw new InvalidArgumentError(`two targets named ${name}; label them with name=URL`);
  return [...previous, { name, url: url.origin, pid: null }];
}

/** --target-pid [name=]pid, repeatable. */
function collectPid(value: string, previous: Array<{ name: string | null; pid: number }> = []): Array<{ name: string | null; pid: number }> {
  const eq = value.lastIndexOf('=');
  const pidText = eq === -1 ? value : value.slice(eq + 1);
  if (!/^\d+$/.test(pidText) || Number(pidText) < 1) throw new InvalidArgumentError(`expected a process id, got ${JSON.stringify(pidText)}`);
  return [...previous, { name: eq === -1 ? null : value.slice(0, eq), pid: Number(pidText) }];
}

/** The targets with the pids given for them; a pid without a name is the only target's. */
function withPids(targets: TargetSpec[], pids: Array<{ name: string | null; pid: number }>, usage: (m: string) => never): TargetSpec[] {
  const out = targets.map((t) => ({ ...t }));
  for (const { name, pid } of pids) {
    if (name === null && out.length > 1) usage('with several targets, name the one a pid belongs to: --target-pid NAME=PID');
    const t = name === null ? out[0] : out.find((x) => x.name === name);
    if (t === undefined) usage(`--target-pid ${name}=${pid}: no target is named ${name} (targets: ${out.map((x) => x.name).join(', ')})`);
    else if (!existsSync(`/proc/${pid}`)) usage(`--target-pid ${pid}: no such process here (it is for a server on this machine)`);
    else t.pid = pid;
  }
  return out;
}

/** The capacity settings of a run: the profile's, with the flags over them; null when neither asks for a sweep. */
function capacitySettings(
  profile: CapacitySettings | null,
  o: Pick<BenchFlags, 'rates' | 'sloP99' | 'arrivals' | 'refine'>,
  workloadList: readonly string[],
  usage: (m: string) => never,
): CapacitySettings | null {
  if (profile === null && o.rates === undefined) {
    if (o.sloP99 !== undefined || o.arrivals !== undefined || o.refine !== undefined)
      usage('--slo-p99, --arrivals and --refine are for a capacity run: add --rates or --profile capacity');
    return null;
  }
  // Every chosen workload gets its objective written down, so results.json says what was judged.
  const sloP99Ms = Object.fromEntries(workloadList.map((w) => [w, o.sloP99 ?? profile?.sloP99Ms[w] ?? DEFAULT_SLO_P99_MS]));
  return {
    rates: o.rates ?? profile?.rates ?? [],
    refine: o.refine ?? profile?.refine ?? DEFAULT_REFINE,
    sloP99Ms,
    arrivals: o.arrivals ?? profile?.arrivals ?? 'poisson',
  };
}

/** A resilience run's settings: the profile's, with the flags over them; null for any other profile (whose runs take none of its flags). */
function resilienceSettings(profile: ResilienceSettings | null, o: BenchFlags, usage: (m: string) => never): ResilienceSettings | null {
  const given = (flags: Partial<Record<keyof BenchFlags, string>>) =>
    Object.entries(flags).flatMap(([key, flag]) => (o[key as keyof BenchFlags] === undefined ? [] : [flag]));
  if (profile === null) {
    const stray = given(RESILIENCE_FLAGS);
    if (stray.length > 0) usage(`${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} for --profile resilience`);
    return null;
  }
  const cells = given(CELL_FLAGS);
  if (cells.length > 0)
    usage(`${cells.join(', ')} ${cells.length === 1 ? 'does' : 'do'} not apply to --profile resilience, which runs its scenarios instead of cells`);
  return {
    ...profile,
    idleConnections: o.idleConnections ?? profile.idleConnections,
    slowlorisConnections: o.slowlorisConnections ?? profile.slowlorisConnections,
    ordinaryRps: o.ordinaryRate ?? profile.ordinaryRps,
    windowSec: o.attackWindow ?? profile.windowSec,
    pipelinedRequests: o.pipelinedRequests ?? profile.pipelinedRequests,
    killWorkers: o.workers?.[0] ?? profile.killWorkers,
    headersTimeoutMs: o.headersTimeout ?? profile.headersTimeoutMs,
    keepAliveTimeoutMs: o.keepAliveTimeout ?? profile.keepAliveTimeoutMs,
  };
}
