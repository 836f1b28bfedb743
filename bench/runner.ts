// The plain run: for each variant, a fresh server process, verification, then every cell of the
// matrix on it (measure.ts). Results are saved after every cell, so an interruption keeps what
// finished; a variant that fails to start or dies is recorded, and the run goes on.

import { formatInt } from './format.js';
import { announce, failedMidRun, measured, notMeasured, openRun, Progress, type Run, startVerified } from './lifecycle.js';
import type { LoadGenerator } from './loadgen/types.js';
import { runCell, startedServer } from './measure.js';
import { type Results, setVariant } from './results.js';
import { buildMatrix, type Cell, type RunSettings } from './scenarios.js';

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

export async function runBenchmark(opts: RunOptions): Promise<{ results: Results; dir: string }> {
  const run = openRun({ outDir: opts.outDir, settings: { profile: opts.profile, ...opts.settings }, loadgen: opts.loadgen, pin: opts.pin, ...logOption(opts) });
  const results = run.add('');
  try {
    const cells = buildMatrix(opts.settings);
    announce(run, opts.settings, cells.length);
    run.save();
    const progress = new Progress(cells.length);
    for (const variant of opts.settings.variants) {
      const mine = cells.filter((c) => c.variant === variant);
      await runVariant(run, results, variant, mine, opts, () => progress.tick());
      // A variant that stopped early still used up its cells.
      progress.reach(cells.findLastIndex((c) => c.variant === variant) + 1);
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

async function runVariant(run: Run, results: Results, name: string, cells: Cell[], opts: RunOptions, progress: () => string): Promise<void> {
  const started = await startVerified(name, { pin: run.pinning.serverPin, argv: opts.serverArgv?.(name) });
  if (started.status !== 'ok') {
    setVariant(results, notMeasured(name, started));
    run.log(
      `${name}: ${started.status === 'refused' ? `REFUSED, not measured: ${started.verification.failures.join('; ')}` : `FAILED to start (${started.reason})`}`,
    );
    run.save();
    return;
  }
  const { server, verification } = started;
  try {
    const entry = measured(name, server, verification, []);
    setVariant(results, entry);
    for (const cell of cells) {
      const result = await runCell(cell, startedServer(name, server, run.pinning.serverCpus), {
        settings: opts.settings,
        loadgen: opts.loadgen,
        pinning: run.pinning,
      });
      entry.cells.push(result);
      const where = `${progress()} ${name} ${cell.workload} c=${cell.connections} p=${cell.pipelining}:`;
      if (result.status === 'failed') {
        await server.stop();
        const failed = failedMidRun(entry, result.reason, server.output());
        setVariant(results, failed);
        run.save();
        run.log(`${where} FAILED ${result.reason}`);
        run.log(`${name}: FAILED (${result.reason}); going on to the next variant. Last output:\n  ${failed.output.join('\n  ')}`);
        return;
      }
      const s = result.summary;
      run.log(
        `${where} ${formatInt(s.requestsPerSec.median)} req/s, p99 ${s.latencyP99Ms.median.toFixed(1)} ms, ${s.serverCpuUsPerRequest?.median.toFixed(1) ?? '?'} µs CPU/req` +
          (result.clientBound ? ' (client-bound: a floor)' : '') +
          (s.errors > 0 ? `, ${s.errors} errors` : ''),
      );
      run.save();
    }
  } finally {
    await server.stop();
  }
}
