// The benchmark loop: for each variant, a fresh server process, verification, then every cell of
// the matrix (warm-up, then repetitions), with the server's CPU and memory read from /proc.
// Results are written after every variant, so an interruption keeps what finished.

import { parseInfo } from '../shared/serve-protocol.js';
import { handleInterrupts, isGone, PeakRss, planPinning, processTree, type ServerProcess, startServer, treeCpuSeconds } from './lib/processes.js';
import { autocannonLoadgen } from './loadgen/autocannon.js';
import type { LoadGenerator, LoadSample } from './loadgen/types.js';
import {
  type CellResult,
  describeEnvironment,
  newResults,
  newRunDir,
  type Repetition,
  type Results,
  summarize,
  updateLatest,
  type VariantResult,
  writeResults,
} from './results.js';
import { buildMatrix, type Cell, loadSeconds, type RunSettings, workloads } from './scenarios.js';
import { verifyServer } from './verify.js';

/** A load generator at or above this share of one core is the bottleneck: its figures are a floor. */
export const CLIENT_BOUND_SHARE = 0.9;

export interface RunOptions {
  settings: RunSettings;
  profile: string;
  loadgen: LoadGenerator;
  pin: boolean;
  outDir: string;
  /** The command that serves a variant (default: `cbench serve --variant NAME --port 0`); tests swap in fixtures. */
  serverArgv?: (variant: string) => string[] | undefined;
  log?: (line: string) => void;
}

const lastLines = (text: string, n = 20) => text.trimEnd().split('\n').slice(-n);
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');

function fmtDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export async function runBenchmark(opts: RunOptions): Promise<{ results: Results; dir: string }> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const s = opts.settings;
  const cells = buildMatrix(s);
  const pinning = planPinning(opts.pin);
  const environment = describeEnvironment(
    { name: opts.loadgen.name, version: opts.loadgen.version() },
    { server: pinning.server, loadgen: pinning.loadgen },
    autocannonLoadgen.version(),
  );
  const dir = newRunDir(opts.outDir, environment.gitSha);
  const results = newResults(dir.split('/').pop() as string, { profile: opts.profile, ...s }, environment);
  const save = () => {
    writeResults(dir, results);
    updateLatest(dir);
  };
  const releaseInterrupts = handleInterrupts(() => {
    results.status = 'incomplete';
    results.finishedAt = new Date().toISOString();
    save();
    process.stderr.write(`partial results (marked incomplete): ${dir}/results.json\n`);
  });
  try {
    await runAll(results, cells, { ...opts, serverPin: pinning.serverPin, loadgenPin: pinning.loadgenPin, log }, save);
  } finally {
    releaseInterrupts();
  }
  return { results, dir };
}

async function runAll(results: Results, cells: Cell[], ctx: VariantContext, save: () => void): Promise<void> {
  const { settings: s, log } = ctx;
  const { server: serverCpus, loadgen: loadgenCpus } = results.environment.pinning;
  const pinned = ctx.serverPin.length > 0;
  const load = loadSeconds(s, cells.length);
  log(
    `plan: ${s.variants.length} variants × ${s.workloads.length} workloads → ${cells.length} cells; ` +
      `${s.warmupSec} s warm-up + ${s.repetitions} × ${s.durationSec} s per cell ≈ ${fmtDuration(load)} of load plus start-up and verification`,
  );
  log(
    `load generator: ${ctx.loadgen.name} ${results.environment.loadgen.version}; ${pinned ? `server on CPUs ${serverCpus}, load generator on CPU ${loadgenCpus}` : 'not pinned'}`,
  );
  if (pinned && serverCpus === '1-1') {
    log(
      'note: pinning leaves the server one CPU, so cluster and worker-pool default to one worker; --no-pin lets them share every CPU with the load generator',
    );
  }
  save();

  const started = Date.now();
  let done = 0;
  for (const variantResult of results.variants) {
    const variantCells = cells.filter((c) => c.variant === variantResult.name);
    await runVariant(variantResult, variantCells, ctx, () => {
      done++;
      const elapsed = (Date.now() - started) / 1000;
      return `[${done}/${cells.length}, ETA ${fmtDuration((elapsed / done) * (cells.length - done))}]`;
    });
    // A variant that stopped early still used up its cells.
    done += variantCells.length - variantResult.cells.length;
    save();
  }

  results.status = 'complete';
  results.finishedAt = new Date().toISOString();
  save();
}

/** What measuring a cell needs. */
export interface CellContext {
  settings: RunSettings;
  loadgen: LoadGenerator;
  loadgenPin: string[];
}

interface VariantContext extends RunOptions, CellContext {
  serverPin: string[];
  log: (line: string) => void;
}

async function runVariant(v: VariantResult, cells: Cell[], ctx: VariantContext, progress: () => string): Promise<void> {
  let server: ServerProcess;
  try {
    const argv = ctx.serverArgv?.(v.name);
    server = await startServer(v.name, { pin: ctx.serverPin, ...(argv === undefined ? {} : { argv }) });
  } catch (e) {
    v.status = 'failed';
    v.reason = `did not start: ${(e as Error).message.split('\n')[0]}`;
    v.output = lastLines((e as Error).message);
    ctx.log(`${v.name}: FAILED to start (${v.reason})`);
    return;
  }
  try {
    const origin = `http://127.0.0.1:${server.port}`;
    v.verification = await verifyServer(origin);
    if (!v.verification.ok) {
      v.status = 'refused';
      v.reason = `failed verification: ${v.verification.failures[0]}`;
      ctx.log(`${v.name}: REFUSED, not measured: ${v.verification.failures.join('; ')}`);
      return;
    }
    v.pids = processTree(server.pid);
    v.info = parseInfo(v.name, server.output());
    v.status = 'ok';
    for (const cell of cells) {
      const result = await runCell(cell, server, origin, ctx);
      v.cells.push(result);
      const sum = result.summary;
      ctx.log(
        `${progress()} ${v.name} ${cell.workload} c=${cell.connections} p=${cell.pipelining}: ` +
          (sum === null
            ? `FAILED ${result.reason ?? ''}`
            : `${fmtInt(sum.requestsPerSec.median)} req/s, p99 ${sum.latencyP99Ms.median.toFixed(1)} ms, ${sum.serverCpuUsPerRequest.median.toFixed(1)} µs CPU/req` +
              (result.clientBound ? ' (client-bound: a floor)' : '') +
              (sum.errors > 0 ? `, ${sum.errors} errors` : '')),
      );
      if (result.status === 'failed') {
        v.status = 'failed';
        v.reason = result.reason;
        await server.stop();
        v.output = lastLines(server.output());
        ctx.log(`${v.name}: FAILED (${result.reason}); going on to the next variant. Last output:\n  ${v.output.join('\n  ')}`);
        return;
      }
    }
  } finally {
    await server.stop();
  }
}

export async function runCell(cell: Cell, server: ServerProcess, origin: string, ctx: CellContext): Promise<CellResult> {
  const target = { origin, workload: workloads[cell.workload], connections: cell.connections, pipelining: cell.pipelining, pin: ctx.loadgenPin };
  const base = { workload: cell.workload, connections: cell.connections, pipelining: cell.pipelining };
  const failed = (reason: string, repetitions: Repetition[]): CellResult => ({
    ...base,
    status: 'failed',
    reason,
    clientBound: false,
    repetitions,
    summary: null,
  });
  const crashed = () => server.exited() || isGone(server.pid);

  try {
    if (ctx.settings.warmupSec > 0) await ctx.loadgen.run({ ...target, durationSec: ctx.settings.warmupSec });
  } catch (e) {
    return failed(`warm-up failed: ${(e as Error).message.split('\n')[0]}`, []);
  }
  if (crashed()) return failed('the server exited during warm-up', []);

  const repetitions: Repetition[] = [];
  for (let r = 0; r < ctx.settings.repetitions; r++) {
    const tree = processTree(server.pid);
    const before = treeCpuSeconds(tree);
    const rss = new PeakRss(server.pid);
    rss.start();
    let sample: LoadSample;
    try {
      sample = await ctx.loadgen.run({ ...target, durationSec: ctx.settings.durationSec });
    } catch (e) {
      rss.stop();
      return failed(`load generator failed: ${(e as Error).message.split('\n')[0]}`, repetitions);
    }
    // Workers that started during the repetition (a replaced cluster worker) count from zero.
    const after = treeCpuSeconds(processTree(server.pid));
    const peak = rss.stop();
    const user = Math.max(0, after.user - before.user);
    const system = Math.max(0, after.system - before.system);
    repetitions.push({
      ...sample,
      serverCpuUserSec: user,
      serverCpuSystemSec: system,
      serverCpuUsPerRequest: sample.requests > 0 ? ((user + system) * 1e6) / sample.requests : null,
      serverPeakRssBytes: peak,
      loadgenCpuShare: sample.loadgenCpuSec / sample.durationSec,
    });
    if (crashed()) return failed('the server exited during the run (crashed)', repetitions);
    if (sample.requests === 0) return failed('the server stopped answering: no request completed', repetitions);
  }

  return cellFromRepetitions(base, repetitions);
}

/** A measured cell from its repetitions: client-bound if any was, and median, min and max of each figure. */
export function cellFromRepetitions(base: { workload: string; connections: number; pipelining: number }, repetitions: Repetition[]): CellResult {
  const pick = (f: (r: Repetition) => number) => summarize(repetitions.map(f));
  const clientBound = repetitions.some((r) => r.loadgenCpuShare >= CLIENT_BOUND_SHARE);
  return {
    ...base,
    status: 'ok',
    clientBound,
    repetitions,
    summary: {
      requestsPerSec: pick((r) => r.requestsPerSec),
      latencyP50Ms: pick((r) => r.latencyMs.p50),
      latencyP99Ms: pick((r) => r.latencyMs.p99),
      latencyP99_9Ms: pick((r) => r.latencyMs.p99_9),
      serverCpuUsPerRequest: pick((r) => r.serverCpuUsPerRequest ?? 0),
      serverPeakRssBytes: pick((r) => r.serverPeakRssBytes),
      loadgenCpuShare: pick((r) => r.loadgenCpuShare),
      errors: repetitions.reduce((n, r) => n + r.errors + r.timeouts + r.resets, 0),
    },
  };
}

/** The compact table printed at the end of a run. */
export function summaryTable(results: Results): string {
  const rows: string[][] = [['variant', 'workload', 'conn', 'pipe', 'req/s (median)', 'p99 ms', 'CPU µs/req', 'peak RSS MB', 'note']];
  for (const v of results.variants) {
    if (v.status === 'refused' || (v.status === 'failed' && v.cells.length === 0) || v.status === 'not-run') {
      rows.push([v.name, '—', '', '', '', '', '', '', `${v.status}: ${v.reason ?? ''}`.slice(0, 80)]);
      continue;
    }
    for (const c of v.cells) {
      const s = c.summary;
      rows.push([
        v.name,
        c.workload,
        String(c.connections),
        String(c.pipelining),
        s === null ? '—' : fmtInt(s.requestsPerSec.median),
        s === null ? '—' : s.latencyP99Ms.median.toFixed(1),
        s === null ? '—' : s.serverCpuUsPerRequest.median.toFixed(1),
        s === null ? '—' : (s.serverPeakRssBytes.max / 1048576).toFixed(0),
        c.status === 'failed' ? `failed: ${c.reason ?? ''}` : c.clientBound ? 'client-bound (floor)' : s !== null && s.errors > 0 ? `${s.errors} errors` : '',
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i >= 2 && i <= 7 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
