// builtin: the suite's own load generator (engine.ts), in a process of its own. It measures
// latency in microseconds, per-connection fairness and first-response times, and reads the
// server's CPU time at the edges of its measured window.

import { readFileSync } from 'node:fs';
import { builtModule, PROJECT_ROOT } from '../../shared/built.js';
import { requestLabels, type Workload } from '../plan/scenarios.js';
import type { RunnerOptions } from './builtin.child.js';
import type { LoadReport } from './engine.js';
import { runRunner } from './runner-arg.js';
import type { LoadGenerator, LoadSample, LoadTarget } from './types.js';

const RUNNER = builtModule(import.meta.url, 'builtin.child');

/** A request unanswered this long is a timeout (autocannon's default too). */
const TIMEOUT_SEC = 10;

/**
 * Runs the engine in a child process (with `pin` in front) and returns its report. A run with a
 * duration that overstays its warm-up, window and drain by 10 s is killed by its pid.
 */
export async function runBuiltin(options: RunnerOptions, pin: string[] = []): Promise<LoadReport> {
  const boundMs = options.durationSec === undefined ? undefined : (options.durationSec + (options.warmupSec ?? 0) + 2 * options.timeoutSec + 10) * 1000;
  const run = { pin, key: 'report', what: 'the builtin load generator', ...(boundMs === undefined ? {} : { boundMs }) };
  return (await runRunner<{ report: LoadReport }>(RUNNER, options, run)).report;
}

/** A workload as the runner takes it: its one request, or its mix with a label per request. */
function requestsOf(w: Workload): Pick<RunnerOptions, 'method' | 'path' | 'bodyBase64' | 'mix'> {
  const base64 = (b: Buffer | undefined) => (b === undefined ? {} : { bodyBase64: b.toString('base64') });
  const first = w.requests[0];
  if (first === undefined) throw new Error('a workload without requests');
  if (w.requests.length === 1) return { method: first.method, path: first.path, ...base64(first.body) };
  const labels = requestLabels(w);
  return {
    method: first.method,
    path: first.path,
    mix: w.requests.map((r, i) => ({ method: r.method, path: r.path, weight: r.weight, label: labels[i] as string, ...base64(r.body) })),
  };
}

/** The runner's options for a harness target. */
export function builtinOptions(t: LoadTarget): RunnerOptions {
  const url = new URL(t.origin);
  return {
    // An IPv6 literal without its brackets (the Host header puts them back); http's port when none is given.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port === '' ? 80 : url.port),
    ...requestsOf(t.workload),
    headers: [],
    connections: t.connections,
    pipelining: t.pipelining,
    durationSec: t.durationSec,
    timeoutSec: TIMEOUT_SEC,
    ...(t.serverPid === undefined ? {} : { observePid: t.serverPid }),
    ...(t.serverCpuList === undefined ? {} : { observeCpus: t.serverCpuList }),
    ...(t.loadgenCpuList === undefined ? {} : { observeOwnCpus: t.loadgenCpuList }),
    ...(t.rate === undefined ? {} : { rate: t.rate, arrivals: t.arrivals ?? 'constant' }),
    ...(t.seed === undefined ? {} : { seed: t.seed }),
    ...(t.warmupSec === undefined ? {} : { warmupSec: t.warmupSec }),
    ...(t.threads === undefined || t.threads === 1 ? {} : { threads: t.threads }),
  };
}

export const builtinLoadgen: LoadGenerator<'builtin'> = {
  name: 'builtin',
  available: () => true,
  install: 'nothing (it is part of this project)',
  openLoop: true,
  threads: true,
  version: () => (JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { version: string }).version,
  async run(t: LoadTarget): Promise<LoadSample> {
    // A report is a sample with more in it; the harness keeps the sample's own fields (measure.ts).
    if (t.hosts === undefined) return runBuiltin(builtinOptions(t), t.pin);
    // From other hosts: no CPU of this machine to watch, no pinning here.
    const { observePid: _, observeCpus: __, observeOwnCpus: ___, threads, ...options } = builtinOptions(t);
    const { runOnHosts } = await import('./hosts.js');
    const { report, perHost } = await runOnHosts(options, t.hosts, threads ?? 1);
    return { ...report, loadgenHosts: perHost };
  },
};
