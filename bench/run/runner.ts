// The plain run: for each variant, a fresh server process, verification, then every cell of the
// matrix on it (measure.ts); or, with targets, servers someone else started, verified on the
// chosen workloads only; or, in a resilience run, every variant through the hostile scenarios
// (resilience.ts) instead of the cells. Results are saved after every cell, so an interruption keeps what
// finished; a variant that fails to start or dies is recorded, and the run goes on.

import { availableParallelism } from 'node:os';
import { firstLine } from '../../shared/first-line.js';
import { GENERATOR_BOUND_NOTE, repetitionBound } from '../analysis/saturation.js';
import { formatInt } from '../lib/format.js';
import { isGone } from '../lib/processes.js';
import { builtinOptions } from '../loadgen/builtin.js';
import { measureRtt } from '../loadgen/hosts.js';
import type { LoadGenerator, Rtt } from '../loadgen/types.js';
import { notMeasurableText } from '../plan/cpu-plan.js';
import {
  buildMatrix,
  type Cell,
  measurableWorkers,
  type RunSettings,
  resolveWorkload,
  scalingCounts,
  stepsPerCell,
  type TargetSpec,
} from '../plan/scenarios.js';
import { cellName, type GeneratorBound, type OkCell, type OkVariant, type RatePoint, type Results, setVariant } from '../results/results.js';
import { announce, failedMidRun, measured, notMeasured, openRun, Progress, type Run, recordedSettings, startVerified } from './lifecycle.js';
import { type MeasuredServer, runCell, startedServer } from './measure.js';
import { announceResilience, runResilience } from './resilience.js';
import { verifyServer } from './verify.js';

export interface RunOptions {
  settings: RunSettings;
  profile: string;
  loadgen: LoadGenerator;
  pin: boolean;
  /** CPUs for the server and the generator when asked (--server-cpus, --loadgen-cpus); the plan's rule otherwise. */
  cpus?: { serverCpus?: number; loadgenCpus?: number };
  outDir: string;
  /** Targets only: measure without checking their answers first. */
  noVerify?: boolean;
  /** Route keys the app answers (`GET /hello`), so verification leaves out the built-in checks of those it claims. */
  claimed?: ReadonlySet<string>;
  /** The command that serves a variant (default: `cbench serve --variant NAME --port 0`); tests swap in fixtures. */
  serverArgv?: (variant: string) => string[] | undefined;
  log?: (line: string) => void;
}

export async function runBenchmark(opts: RunOptions): Promise<{ results: Results; dir: string }> {
  const targets = opts.settings.targets;
  const run = openRun({
    outDir: opts.outDir,
    settings: recordedSettings(opts.profile, opts.settings),
    loadgen: opts.loadgen,
    // Nothing here starts a target, and a server on another host is not here: there is no server to pin.
    pin: opts.pin && targets === null && (opts.settings.serverHost ?? null) === null,
    cpus: {
      // The resilience profile's attack clients run one thread each: they get one CPU unless told.
      ...(opts.settings.resilience === undefined || opts.settings.resilience === null ? {} : { loadgenCpus: 1 }),
      ...opts.cpus,
      ...(targets === null ? {} : { unpinned: 'not pinned (a --target: the suite did not start it)' }),
      // The server on another host: this machine is the generator's, all of it unless told.
      ...(opts.settings.serverHost === null || opts.settings.serverHost === undefined ? {} : { serverHost: opts.settings.serverHost.host.text }),
    },
    ...logOption(opts),
  });
  const results = run.add('');
  try {
    const resilience = opts.settings.resilience;
    if (resilience !== undefined && resilience !== null) {
      const settings = { ...opts.settings, resilience };
      announceResilience(run, settings);
      run.save();
      await runResilience(run, results, { settings, serverArgv: opts.serverArgv });
      run.finish();
      return { results, dir: run.dir };
    }
    // A scaling run's counts come from the plan: up to the server's CPUs. Those above them are left out, and said so.
    const asked = opts.settings.workers ?? (opts.settings.scaling === true ? scalingCounts(run.cpuPlan.server) : null);
    results.settings.workers = asked;
    const { measured: counts, notMeasurable } = measurableWorkers(asked, run.cpuPlan.server);
    const cells = buildMatrix(opts.settings, counts);
    const what = targets === null ? undefined : `${targets.length} target${targets.length === 1 ? '' : 's'} × ${opts.settings.workloads.length} workloads`;
    announce(run, opts.settings, cells.length, what);
    if (notMeasurable.length > 0) run.log(`not measurable here: ${notMeasurableText(notMeasurable, run.cpuPlan)}`);
    run.save();
    const steps = stepsPerCell(opts.settings);
    const progress = new Progress(cells.length * steps);
    for (const variant of opts.settings.variants) {
      const mine = cells.filter((c) => c.variant === variant);
      const target = targets?.find((t) => t.name === variant);
      if (target === undefined) await runVariant(run, results, variant, mine, opts, progress);
      else await runTarget(run, results, target, mine, opts, progress);
      // A variant that stopped early still used up its cells.
      progress.reach((cells.findLastIndex((c) => c.variant === variant) + 1) * steps);
    }
    run.finish();
  } finally {
    run.close();
  }
  return { results, dir: run.dir };
}

function logOption(opts: RunOptions): { log?: (line: string) => void } {
  return opts.log === undefined ? {} : { log: opts.log };
}

/**
 * A variant's cells: a server per worker count among them (one, without counts), each started,
 * verified and measured on in turn. A later count's server that fails to start, or a failed cell,
 * marks the variant failed with the cells measured before, and its other counts are skipped.
 */
async function runVariant(run: Run, results: Results, name: string, cells: Cell[], opts: RunOptions, progress: Progress): Promise<void> {
  const s = opts.settings;
  let entry: OkVariant | undefined;
  for (const workers of [...new Set(cells.map((c) => c.workers ?? null))]) {
    const label = workers === null ? name : `${name} with ${workers} worker${workers === 1 ? '' : 's'}`;
    const started = await startVerified(name, {
      pin: run.pinning.serverPin,
      argv: opts.serverArgv?.(name),
      app: s.app,
      workers: run.workersFor(workers),
      remote: s.serverHost,
      // An app's requests are checked too (a 2xx, sound framing, and what they expect), and the
      // built-in checks of the routes it answers in their place are left out.
      verify: s.app === null || s.app === undefined ? undefined : { also: s.workloads, catalog: s.catalog, claimed: opts.claimed },
    });
    if (started.status !== 'ok') {
      const why = started.status === 'refused' ? `REFUSED, not measured: ${started.verification.failures.join('; ')}` : `FAILED to start (${started.reason})`;
      setVariant(results, entry === undefined ? notMeasured(name, started) : failedMidRun(entry, `${label}: ${started.reason}`, started.output.join('\n')));
      run.log(`${label}: ${why}`);
      run.save();
      return;
    }
    const { server, verification } = started;
    try {
      if (entry === undefined) {
        entry = measured(name, server, verification, []);
        const network = await roundTrips(run, name, `http://${server.host}:${server.port}`, opts);
        if (network instanceof Error) {
          setVariant(results, failedMidRun(entry, network.message, server.output()));
          run.save();
          return;
        }
        if (network !== null) entry.network = network;
        setVariant(results, entry);
      } else entry.pids.push(...measured(name, server, verification, []).pids);
      const mine = cells.filter((c) => (c.workers ?? null) === workers);
      const ok = await measureCells(
        run,
        results,
        entry,
        mine,
        startedServer(name, server, run.pinning.serverCpus, s.serverHost ?? null),
        opts,
        progress,
        async () => {
          await server.stop();
          return server.output();
        },
      );
      if (!ok) return;
    } finally {
      await server.stop();
    }
  }
}

/** A server someone else started: verified on the chosen workloads (unless told not to), then measured like a variant. */
async function runTarget(run: Run, results: Results, target: TargetSpec, cells: Cell[], opts: RunOptions, progress: Progress): Promise<void> {
  const origin = new URL(target.url).origin;
  const verification =
    opts.noVerify === true
      ? { ok: true, failures: [], skipped: true }
      : await verifyServer(origin, { workloads: opts.settings.workloads, catalog: opts.settings.catalog });
  if (!verification.ok) {
    setVariant(results, { name: target.name, status: 'refused', reason: `failed verification: ${verification.failures[0]}`, verification, output: [] });
    run.log(`${target.name}: REFUSED, not measured: ${verification.failures.join('; ')} (--no-verify measures it anyway)`);
    run.save();
    return;
  }
  const entry: OkVariant = {
    name: target.name,
    model: null,
    status: 'ok',
    verification,
    pids: target.pid === null ? [] : [target.pid],
    info: { url: target.url },
    cells: [],
  };
  const network = await roundTrips(run, target.name, origin, opts);
  if (network instanceof Error) {
    setVariant(results, failedMidRun(entry, network.message, ''));
    run.save();
    return;
  }
  if (network !== null) entry.network = network;
  // setVariant keeps a copy: the entry is complete (but for its cells, which it shares) before.
  setVariant(results, entry);
  run.save();
  const server: MeasuredServer = {
    origin,
    pid: target.pid,
    // Not pinned, it may use every CPU here: its share is of the whole machine (unknown without its pid).
    capacity: target.pid === null ? null : availableParallelism(),
    gone: () => target.pid !== null && isGone(target.pid),
  };
  await measureCells(run, results, entry, cells, server, opts, progress, async () => '');
}

/**
 * Each load host's round trip to a server at `origin`, on the first workload's request, before
 * any load, logged; null when the run has no load hosts; the error when it could not be measured.
 */
async function roundTrips(run: Run, name: string, origin: string, opts: RunOptions): Promise<Rtt[] | null | Error> {
  const hosts = opts.settings.loadgenHosts;
  const first = opts.settings.workloads[0];
  if (hosts === null || hosts === undefined || first === undefined) return null;
  try {
    const probe = builtinOptions({ origin, workload: resolveWorkload(first, opts.settings.catalog), connections: 1, pipelining: 1, durationSec: 1, pin: [] });
    const network = await measureRtt(probe, hosts);
    run.log(`${name}: round trip ${network.map((x) => `from ${x.host} ${x.p50Ms.toFixed(2)} ms (p50 of ${x.requests})`).join(', ')}`);
    return network;
  } catch (e) {
    run.log(`${name}: FAILED measuring the round trip from the load hosts: ${firstLine(e)}`);
    return new Error(`round trip from the load hosts: ${firstLine(e)}`);
  }
}

/** Every cell on a server that is up; on a failed cell, the entry is marked failed with the server's last output, the rest is skipped, and it returns false. */
async function measureCells(
  run: Run,
  results: Results,
  entry: OkVariant,
  cells: Cell[],
  server: MeasuredServer,
  opts: RunOptions,
  progress: Progress,
  stop: () => Promise<string>,
): Promise<boolean> {
  const name = entry.name;
  for (const cell of cells) {
    const where = `${name} ${cellName(cell)}`;
    // A sweep takes minutes: the cell as it stands is saved after every rate, so Ctrl-C keeps them.
    const at = entry.cells.length;
    const result = await runCell(
      cell,
      server,
      { settings: opts.settings, loadgen: opts.loadgen, pinning: run.pinning, loadgenThreads: run.cpuPlan.loadgen },
      {
        onClosed: (c) => run.log(`${progress.tick()} ${where}: closed loop ${closedLine(c)}; now the sweep`),
        onPoint: (point, soFar) => {
          run.log(`${progress.tick()} ${where} ${pointLine(point)}`);
          entry.cells[at] = soFar;
          run.save();
        },
      },
    );
    entry.cells[at] = result;
    if (result.status === 'failed') {
      const failed = failedMidRun(entry, result.reason, await stop());
      setVariant(results, failed);
      run.save();
      run.log(`${progress.tick()} ${where}: FAILED ${result.reason}`);
      run.log(`${name}: FAILED (${result.reason}); going on to the next variant. Last output:\n  ${failed.output.join('\n  ')}`);
      return false;
    }
    if (result.sweep === null) run.log(`${progress.tick()} ${where}: ${closedLine(result)}`);
    else
      run.log(
        `  ${where}: capacity at p99 ≤ ${result.sweep.sloP99Ms} ms: ${capacityLine(result.capacityRps, result.sweep.generatorBoundAtMiss)}` +
          (result.sweep.firstMiss === null
            ? ', every rate kept up with'
            : `; first miss at ${formatInt(result.sweep.firstMiss.offeredRps)} req/s (${result.sweep.firstMiss.why.join(', ')})` +
              (result.sweep.generatorBoundAtMiss === null
                ? ''
                : `: ${GENERATOR_BOUND_NOTE[result.sweep.generatorBoundAtMiss]}, the generator could not offer more here`)),
      );
    run.save();
  }
  return true;
}

/** `12,000 req/s`, `at least 12,000 req/s` when the generator explained the first miss, or that none kept up. */
function capacityLine(capacityRps: number | null, bound: GeneratorBound | null): string {
  if (capacityRps === null) return bound === null ? 'no rate kept up with' : 'no rate kept up with (the generator’s miss: perhaps not the server’s)';
  return `${bound === null ? '' : 'at least '}${formatInt(capacityRps)} req/s`;
}

/** A cell's closed-loop figures, as the progress line shows them. */
function closedLine(c: OkCell): string {
  const s = c.summary;
  return (
    `${formatInt(s.requestsPerSec.median)} req/s, p99 ${s.latencyP99Ms.median.toFixed(1)} ms, ` +
    `${s.serverCpuUsPerRequest === null ? 'server CPU unknown' : `${s.serverCpuUsPerRequest.median.toFixed(1)} µs CPU/req`}` +
    (c.clientBound ? ' (client-bound: a floor)' : '') +
    (s.errors > 0 ? `, ${s.errors} errors` : '')
  );
}

/** One rate of a sweep, as the progress line shows it. */
function pointLine(p: RatePoint): string {
  const s = p.summary;
  const late = p.repetitions.reduce((n, r) => n + (r.openLoop?.late ?? 0), 0);
  const due = p.repetitions.reduce((n, r) => n + (r.openLoop?.due ?? 0), 0);
  return (
    `${p.rate} = ${formatInt(p.offeredRps)} req/s offered: ${formatInt(s.requestsPerSec.median)} achieved, ` +
    `p50 ${s.latencyP50Ms.median.toFixed(2)} ms, p99 ${s.latencyP99Ms.median.toFixed(2)} ms` +
    (late > 0 && due > 0 ? `, ${((late / due) * 100).toFixed(1)}% sent late` : '') +
    (s.errors > 0 ? `, ${s.errors} errors` : '') +
    boundText(p.repetitions.map(repetitionBound))
  );
}

/** `, generator-bound (delayed in 2 of 3)` when the generator made some repetition's figures, else nothing. */
function boundText(bound: Array<GeneratorBound | null>): string {
  const by = bound.filter((b): b is GeneratorBound => b !== null);
  if (by.length === 0) return '';
  const why = [...new Set(by)].join(', ');
  return `, generator-bound (${why} in ${by.length} of ${bound.length})`;
}
