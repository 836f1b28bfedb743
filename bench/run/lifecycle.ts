// What every way of running the harness shares: a run folder with its results, saved atomically
// after every step, `latest` pointed at it, and Ctrl-C turned into partial results; and a server
// started, verified, and its refusal or failed start recorded. The plain run (runner.ts), the A/B
// run (ab.ts) and bench:cpu (micro/cpu-per-request.bench.ts) are each only what differs between them.

import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { isVariantName, variants } from '../../servers/variants/registry.js';
import type { ConcurrencyModel } from '../../servers/variants/types.js';
import { firstLine } from '../../shared/first-line.js';
import { parseInfo } from '../../shared/serve-protocol.js';
import { formatDuration } from '../lib/format.js';
import {
  handleInterrupts,
  type Pinning,
  pinAvailable,
  pinningFor,
  placement,
  processTree,
  type ServerProcess,
  StartError,
  serveArgv,
  startServer,
} from '../lib/processes.js';
import { remoteServeArgv, type ServerHost } from '../lib/ssh.js';
import type { LoadGenerator } from '../loadgen/types.js';
import { type CpuAsk, type CpuPlan, planCpus, planText } from '../plan/cpu-plan.js';
import { DEFAULT_SLO_P99_MS, describeMixes, expectedSeconds, loadSeconds, type RunSettings, usesWorkers } from '../plan/scenarios.js';
import {
  type CellResult,
  type Environment,
  type FailedVariant,
  newResults,
  type OkVariant,
  type Results,
  type Settings,
  setVariant,
  type VariantEntry,
} from '../results/results.js';
import { describeEnvironment, newRunDir, updateLatest, writeResults } from '../results/store.js';
import { type Verification, type VerifyScope, verifyServer } from './verify.js';

/** A run's settings as results.json records them: the knobs, what each workload sent, and the app. */
export function recordedSettings(profile: string, s: RunSettings): Settings {
  const { catalog, app, workers, scaling, loadgenHosts, serverHost, ...knobs } = s;
  return {
    profile,
    ...knobs,
    mixes: describeMixes(s.workloads, catalog),
    app: app ?? null,
    workers: workers ?? null,
    scaling: scaling ?? false,
    loadgenHosts:
      loadgenHosts === null || loadgenHosts === undefined ? null : { hosts: loadgenHosts.hosts.map((h) => h.text), remoteDir: loadgenHosts.remoteDir },
    serverHost: serverHost === null || serverHost === undefined ? null : { host: serverHost.host.text, remoteDir: serverHost.remoteDir },
  };
}

/** What a run is opened with. */
export interface RunPlan {
  outDir: string;
  settings: Settings;
  loadgen: LoadGenerator;
  /** Pin the server and the load generator to separate CPUs (when there are two or more). */
  pin: boolean;
  /** How many CPUs each side gets when asked (--server-cpus, --loadgen-cpus), and why it is not pinned when it is not. */
  cpus?: Omit<CpuAsk, 'pin'>;
  /** Where notes go (the terminal by default). */
  log?: (line: string) => void;
  /** What to undo on Ctrl-C besides stopping the children (a temporary worktree, say). */
  cleanup?: () => void;
}

/** A run folder being written. */
export interface Run {
  /** results/<timestamp>-<sha> */
  readonly dir: string;
  readonly runId: string;
  readonly environment: Environment;
  readonly pinning: Pinning;
  /** How the CPUs are shared: the server's, the generator's (its threads), pinned or not. */
  readonly cpuPlan: CpuPlan;
  /**
   * The workers to start a variant with: those asked for, or, when the plan's server CPUs are not
   * what the server will see (not pinned, --server-cpus), that many; null for its own default.
   */
  workersFor(asked: number | null | undefined): number | null;
  readonly log: (line: string) => void;
  /**
   * A results document in this run, saved as results.json in the run folder (`sub` empty) or
   * in its sub-folder `sub`; every variant starts `not-run`.
   */
  add(sub: string, overrides?: { gitSha?: string | null; settings?: Settings }): Results;
  /** Writes every document (validated, atomically) and points `latest` at the run. */
  save(): void;
  /** Marks every document complete and saves. */
  finish(): void;
  /** Stops handling Ctrl-C for this run; call it when done, also on failure. */
  close(): void;
}

/**
 * Opens a run: describes the environment, makes the folder, and from now until close(), Ctrl-C
 * or SIGTERM stops every child process, saves what finished marked `incomplete`, and exits 130.
 */
export function openRun(plan: RunPlan): Run {
  const log = plan.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const canPin = plan.pin && pinAvailable();
  const cpuPlan = planCpus(
    { ...plan.cpus, pin: canPin, unpinned: plan.pin && !canPin ? 'not pinned (no taskset here)' : plan.cpus?.unpinned },
    availableParallelism(),
  );
  const pinning = pinningFor(cpuPlan.loadgen, cpuPlan.server, cpuPlan.pinned);
  const environment = describeEnvironment(
    { name: plan.loadgen.name, version: plan.loadgen.version() },
    { server: pinning.server, loadgen: pinning.loadgen },
    cpuPlan,
  );
  const dir = newRunDir(plan.outDir, environment.gitSha);
  const runId = dir.split('/').pop() ?? dir;
  const documents: Array<{ sub: string; results: Results }> = [];
  const save = () => {
    for (const d of documents) {
      mkdirSync(join(dir, d.sub), { recursive: true });
      writeResults(join(dir, d.sub), d.results);
    }
    updateLatest(dir);
  };
  const release = handleInterrupts(() => {
    const now = new Date().toISOString();
    for (const d of documents) {
      d.results.status = 'incomplete';
      d.results.finishedAt = now;
    }
    save();
    process.stderr.write(`partial results (marked incomplete): ${dir}\n`);
    plan.cleanup?.();
  });
  return {
    dir,
    runId,
    environment,
    pinning,
    cpuPlan,
    workersFor: (asked) => asked ?? (cpuPlan.pinned || cpuPlan.server === cpuPlan.cpus ? null : cpuPlan.server),
    log,
    add(sub, overrides = {}) {
      const settings = overrides.settings ?? plan.settings;
      const results = newResults(
        sub === '' ? runId : `${runId}-${sub}`,
        settings,
        { ...environment, ...(overrides.gitSha === undefined ? {} : { gitSha: overrides.gitSha }) },
        // A server the suite did not start has no model, whatever its name.
        settings.targets === null ? registeredModel : () => null,
      );
      documents.push({ sub, results });
      return results;
    },
    save,
    finish() {
      const now = new Date().toISOString();
      for (const d of documents) {
        d.results.status = 'complete';
        d.results.finishedAt = now;
      }
      save();
    },
    close: release,
  };
}

/** A server started for measuring, or why it did not start. */
export type Started = { status: 'ok'; server: ServerProcess } | { status: 'failed'; reason: string; output: string[] };

/** A server started and verified, or why it is not measured: it answered wrongly, or did not start. */
export type Verified =
  | { status: 'ok'; server: ServerProcess; verification: Verification }
  | { status: 'refused'; reason: string; verification: Verification; output: string[] }
  | { status: 'failed'; reason: string; output: string[] };

/** How to start a variant's server. */
export interface StartOptions {
  /** CPUs to pin it to (`taskset -c ...`), or none. */
  pin: string[];
  /** The command that serves it; default `cbench serve --variant NAME --port 0` of this build (with `--app` when there is one). */
  argv?: string[] | undefined;
  /** The app every variant serves, if any. */
  app?: string | null | undefined;
  /** Processes or threads, for a variant that has them (`--workers`); its default otherwise. */
  workers?: number | null | undefined;
  /** What verification checks besides what every variant must do (an app's requests). */
  verify?: VerifyScope | undefined;
  /** More `cbench serve` flags (a resilience run's server timeouts); not added to an `argv` given whole. */
  flags?: string[] | undefined;
  /** Serve it on another host over ssh (`--server-host`), from the checkout there; `pin` does not apply. */
  remote?: ServerHost | null | undefined;
}

/** The last lines of a server's output, for a report. */
function lastLines(text: string, n = 20): string[] {
  return text.trimEnd().split('\n').slice(-n);
}

/** The `cbench serve` flags a run adds for a variant: its app, and its workers when it has any. */
export function serveFlags(variant: string, opts: Pick<StartOptions, 'app' | 'workers'>): string[] {
  return [
    ...(opts.app === null || opts.app === undefined ? [] : ['--app', opts.app]),
    ...(opts.workers === null || opts.workers === undefined || !usesWorkers(variant) ? [] : ['--workers', String(opts.workers)]),
  ];
}

/** Starts a variant's server and waits until it listens. Never throws for the server's sake: a failed start is a value. */
export async function start(variant: string, opts: StartOptions): Promise<Started> {
  try {
    const flags = [...serveFlags(variant, opts), ...(opts.flags ?? [])];
    if (opts.remote !== null && opts.remote !== undefined) {
      const { host, remoteDir } = opts.remote;
      // Every address of its family, and answered at the host's (an IPv6 literal in brackets).
      const v6 = host.host.includes(':');
      const argv = opts.argv ?? remoteServeArgv(host, remoteDir, ['--variant', variant, '--port', '0', '--host', v6 ? '::' : '0.0.0.0', ...flags]);
      return { status: 'ok', server: await startServer(variant, { argv, remote: { host: v6 ? `[${host.host}]` : host.host } }) };
    }
    const argv = opts.argv ?? serveArgv(variant, flags);
    return { status: 'ok', server: await startServer(variant, { pin: opts.pin, argv }) };
  } catch (e) {
    if (!(e instanceof StartError)) return { status: 'failed', reason: `did not start: ${firstLine(e)}`, output: [] };
    // The reason ends with the server's last word, usually what went wrong.
    const output = lastLines(e.output);
    const last = output.at(-1) ?? '';
    return { status: 'failed', reason: `did not start: ${e.why}:${last === '' ? '' : ` ${last}`}`, output };
  }
}

/** Starts a variant's server and verifies its answers (once per build is enough); a refused server is stopped here. */
export async function startVerified(variant: string, opts: StartOptions): Promise<Verified> {
  const started = await start(variant, opts);
  if (started.status !== 'ok') return started;
  const { server } = started;
  const verification = await verifyServer(`http://${server.host}:${server.port}`, opts.verify);
  if (verification.ok) return { status: 'ok', server, verification };
  await server.stop();
  return { status: 'refused', reason: `failed verification: ${verification.failures[0]}`, verification, output: lastLines(server.output()) };
}

/** The concurrency model of a registered variant; null for any other name (a server the suite did not start). */
export function registeredModel(name: string): ConcurrencyModel | null {
  return isVariantName(name) ? variants[name].model : null;
}

/** The results entry of a variant that was not measured: refused or failed to start. */
export function notMeasured(name: string, started: Exclude<Verified, { status: 'ok' }>): VariantEntry {
  return started.status === 'refused'
    ? { name, status: 'refused', reason: started.reason, verification: started.verification, output: started.output }
    : { name, status: 'failed', reason: started.reason, verification: null, output: started.output, pids: [], info: {}, cells: [] };
}

/** The results entry of a variant that is up and verified, with the cells measured on it. */
export function measured(name: string, server: ServerProcess, verification: Verification, cells: CellResult[]): OkVariant {
  return { name, model: registeredModel(name), status: 'ok', verification, pids: processTree(server.pid), info: parseInfo(name, server.output()), cells };
}

/** Marks an entry failed mid-run, with the server's last output; the cells measured so far stay. */
export function failedMidRun(v: OkVariant, reason: string, output: string): FailedVariant {
  return { ...v, status: 'failed', reason, output: lastLines(output) };
}

/** Cells done out of a run's total, as `[done/total, ETA 1m05s]`, the ETA from the pace so far. */
export class Progress {
  private done = 0;
  private readonly startedAt = Date.now();
  constructor(private readonly total: number) {}

  /** One more cell done: the tag for its log line. */
  tick(): string {
    this.done++;
    const elapsed = (Date.now() - this.startedAt) / 1000;
    return `[${this.done}/${this.total}, ETA ${formatDuration((elapsed / this.done) * (this.total - this.done))}]`;
  }

  /** Cells that will not run (a variant that stopped or was not measured) count as done. */
  reach(done: number): void {
    this.done = Math.max(this.done, done);
  }
}

/**
 * Starts a variant's server, verifies it and stops it again, for the modes that measure on a
 * fresh server per sample: records an ok entry in `results` (with the pids and info the variant
 * reported) and returns it, for the cells measured later; or records why it is not measured.
 */
export async function verifyOnce(run: Run, results: Results, variant: string, opts: StartOptions, label = variant): Promise<OkVariant | undefined> {
  const verified = await startVerified(variant, opts);
  if (verified.status !== 'ok') {
    setVariant(results, notMeasured(variant, verified));
    run.log(`${label}: ${verified.reason}`);
    return undefined;
  }
  const entry = measured(variant, verified.server, verified.verification, []);
  await verified.server.stop();
  setVariant(results, entry);
  return entry;
}

/** The plan line, the load generator and where things are pinned. */
export function announce(
  run: Run,
  s: RunSettings,
  cellCount: number,
  what = `${s.variants.length} variants × ${s.workloads.length} workloads`,
  loadSec = loadSeconds(s, cellCount),
): void {
  const { server, loadgen } = run.environment.pinning;
  const c = s.capacity;
  if (c === null) {
    run.log(
      `plan: ${what} → ${cellCount} cells; ${s.warmupSec} s warm-up + ${s.repetitions} × ${s.durationSec} s per cell ≈ ` +
        `${formatDuration(loadSec)} of load plus start-up and verification`,
    );
  } else {
    const objectives = s.workloads.map((w) => `${w} ${c.sloP99Ms[w] ?? DEFAULT_SLO_P99_MS} ms`).join(', ');
    run.log(
      `plan: ${what} → ${cellCount} cells; each a closed loop at ${s.connections.join('/')} connections for its maximum, then ` +
        `${c.rates.length} offered rates (${c.rates.join(', ')}${c.rates.some((r) => r.endsWith('%')) ? '; % of that maximum' : ' req/s'})` +
        `${c.refine > 0 ? ` and up to ${c.refine} more by bisection` : ''}, open loop, ${c.arrivals} arrivals; ` +
        `${s.warmupSec} s warm-up + ${s.repetitions} × ${s.durationSec} s for the maximum, ${s.repetitions} × (${s.warmupSec} s warm-up + ${s.durationSec} s) per rate`,
    );
    run.log(`objective: p99 at most ${objectives}`);
    run.log(`expected duration ≈ ${formatDuration(expectedSeconds(s, cellCount))} (${formatDuration(loadSec)} of load); progress and ETA as it goes`);
  }
  run.log(
    `load generator: ${run.environment.loadgen.name} ${run.environment.loadgen.version}; ` +
      (s.targets !== null
        ? `targets: ${s.targets.map((t) => `${t.name} = ${t.url}${t.pid === null ? ' (CPU and memory unknown)' : ` (pid ${t.pid})`}`).join(', ')}`
        : placement({ server, loadgen })),
  );
  run.log(`CPU plan: ${planText(run.cpuPlan)}`);
}
