// A run from several load hosts: one segment per host (segment.ts), each run by an agent (the
// builtin runner, builtin.child.ts, with `gate: 'stdin'`) that this coordinator starts over
// OpenSSH from a checkout of the same version on that host. Every agent opens and warms its
// connections and says so; when all have, the coordinator tells them to go, so their measured
// windows start together (within the spread of one line's trip to each host); their reports are
// merged exactly (merge.ts: histograms added, counts summed, fairness over every connection).
// A host that cannot be reached, runs another version, or fails mid-run is named with what it
// printed, and every agent is stopped: ending its ssh connection ends its input, and an agent
// whose input ends exits.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../shared/built.js';
import { GO_LINE, jsonLine, READY_LINE, spawnTracked, whenReady } from '../lib/processes.js';
import { type LoadHosts, sshArgv, sshRun } from '../lib/ssh.js';
import type { RunnerOptions } from './builtin.child.js';
import type { LoadOptions, LoadReport } from './engine.js';
import { mergeReports } from './merge.js';
import { partOf, type Segment, shareOf, WHOLE } from './segment.js';
import type { HostShare, Rtt } from './types.js';

/** The runner on a host, from the checkout there, and every built file a run uses there. */
const REMOTE_RUNNER = ['dist', 'bench', 'loadgen', 'builtin.child.js'];
const REMOTE_BUILT = [REMOTE_RUNNER.join('/'), 'dist/scripts/cbench.js', 'dist/bench/lib/server-watch.child.js'];

/** An agent's options travel in its command line: at most this much (a mix's bodies can make more). */
const REMOTE_ARG_MAX = 64 * 1024;

/** How long an agent may take to connect, warm its connections and say it is ready. */
const READY_WITHIN_MS = 30_000;

/** This checkout's commit, or null outside a git checkout. */
function localVersion(): string | null {
  try {
    return execFileSync('git', ['-C', PROJECT_ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/**
 * Checks every host (load hosts, or the server host) before anything runs: it answers over ssh,
 * has this project built in `remoteDir`, and its checkout is this one's commit (another version would measure with other
 * code). Rejects naming the hosts that fail and why.
 */
export async function checkHosts(lh: LoadHosts, what = 'load hosts'): Promise<void> {
  const mine = localVersion();
  const problems = await Promise.all(
    lh.hosts.map(async (h) => {
      try {
        const tests = REMOTE_BUILT.map((p) => `test -f "$1/${p}"`).join(' && ');
        const out = await sshRun(h, [
          'sh',
          '-c',
          `git -C "$1" rev-parse HEAD 2>/dev/null || echo unknown; if ${tests}; then echo built; else echo unbuilt; fi`,
          'sh',
          lh.remoteDir,
        ]);
        const [sha, built] = out.trim().split('\n');
        if (built !== 'built') return `${h.text}: no built cbench in ${lh.remoteDir} (run npm ci there)`;
        if (sha === 'unknown') return `${h.text}: ${lh.remoteDir} is not a git checkout there, so its version cannot be checked`;
        if (mine !== null && sha !== mine) return `${h.text} runs another version: ${sha?.slice(0, 12)} in ${lh.remoteDir}, this one is ${mine.slice(0, 12)}`;
        return null;
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    }),
  );
  const failed = problems.filter((p): p is string => p !== null);
  if (failed.length > 0) throw new Error(`${what} refused: ${failed.join('; ')}`);
}

/** LoadOptions as an agent takes them: bodies in base64. */
function runnerOptions(o: Omit<LoadOptions, 'startGate'>): RunnerOptions {
  const { body, mix, ...rest } = o;
  return {
    ...rest,
    ...(body === undefined ? {} : { bodyBase64: body.toString('base64') }),
    ...(mix === undefined ? {} : { mix: mix.map(({ body: b, ...e }) => ({ ...e, ...(b === undefined ? {} : { bodyBase64: b.toString('base64') }) })) }),
  };
}

/**
 * Runs `options` from every host at once, one equal segment of the run (of its own segment, when
 * it has one) each, `threads` threads on each, and merges their reports; also each host's share.
 */
export async function runOnHosts(
  options: Omit<LoadOptions, 'startGate'> | RunnerOptions,
  lh: LoadHosts,
  threads = 1,
): Promise<{ report: LoadReport; perHost: HostShare[] }> {
  const n = lh.hosts.length;
  if (n === 0) throw new Error('runOnHosts: no host');
  const outer = options.segment ?? WHOLE;
  const parts: Segment[] = lh.hosts.map((_, i) => partOf(outer, i, n));
  for (const [i, s] of parts.entries()) {
    const { lo, hi } = shareOf(options.connections, s);
    if (hi - lo < threads)
      throw new Error(
        `${lh.hosts[i]?.text} would have ${hi - lo} of the ${options.connections} connections, fewer than its ${threads} thread(s): ask for more connections`,
      );
  }
  const base: RunnerOptions = 'body' in options || 'mix' in options ? runnerOptions(options as LoadOptions) : (options as RunnerOptions);
  // Every agent's command line first: a run too large for one is refused before any agent starts.
  const args = lh.hosts.map((_, i) =>
    JSON.stringify({ ...base, segment: parts[i], gate: 'stdin', ...(threads > 1 ? { threads } : {}) } satisfies RunnerOptions),
  );
  const longest = Math.max(...args.map((a) => a.length));
  if (longest > REMOTE_ARG_MAX) throw new Error(`the run's options are ${longest} bytes, more than a remote agent's command line takes (${REMOTE_ARG_MAX})`);
  const agents = lh.hosts.map((h, i) => {
    const tracked = spawnTracked(sshArgv(h, ['node', join(lh.remoteDir, ...REMOTE_RUNNER), args[i] as string]), undefined, { stdin: true });
    return { host: h, segment: parts[i] as Segment, ...tracked };
  });
  // After go: the run's own length, its answers' timeout twice, and time to print and end (a request count: ten minutes more).
  const runMs = ((base.durationSec ?? 0) + (base.warmupSec ?? 0) + 2 * base.timeoutSec + 30) * 1000 + (base.requests === undefined ? 0 : 600_000);
  const stopAll = () => {
    for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGTERM');
  };
  const failure = (a: (typeof agents)[number], why: string) =>
    new Error(`load host ${a.host.text} ${why}: ${a.output().trim().slice(-400) || 'it printed nothing'}`);
  try {
    // Every agent ready (its connections warm), then all go together.
    let readyTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(agents.map((a) => whenReady(a.child, a.output, (why) => failure(a, why)))),
      new Promise<never>((_, reject) => {
        readyTimer = setTimeout(
          () =>
            reject(
              new Error(
                `load hosts not ready within ${READY_WITHIN_MS / 1000} s: ${agents
                  .filter((a) => !a.output().includes(READY_LINE))
                  .map((a) => a.host.text)
                  .join(', ')}`,
              ),
            ),
          READY_WITHIN_MS,
        );
      }),
    ]).finally(() => clearTimeout(readyTimer));
    for (const a of agents) if (a.child.exitCode === null) a.child.stdin?.write(`${GO_LINE}\n`);
    let runTimer: NodeJS.Timeout | undefined;
    const overstayed = new Promise<never>((_, reject) => {
      runTimer = setTimeout(
        () =>
          reject(
            new Error(
              `load hosts overstayed the run's bound of ${Math.round(runMs / 1000)} s: ${agents
                .filter((a) => a.child.exitCode === null)
                .map((a) => a.host.text)
                .join(', ')}`,
            ),
          ),
        runMs,
      );
    });
    const reports = await Promise.race([
      overstayed,
      Promise.all(
        agents.map(
          (a) =>
            new Promise<LoadReport>((resolve, reject) => {
              const done = (code: number | null) => {
                const report = jsonLine<LoadReport>(a.output(), 'report');
                if (code === 0 && report !== undefined) resolve(report);
                else reject(failure(a, `failed mid-run (exit ${code})`));
              };
              if (a.child.exitCode !== null) done(a.child.exitCode);
              else a.child.on('close', done);
            }),
        ),
      ),
    ]).finally(() => clearTimeout(runTimer));
    const perHost = agents.map((a, i) => {
      const r = reports[i] as LoadReport;
      const c = shareOf(options.connections, a.segment);
      return {
        host: a.host.text,
        segment: a.segment.text,
        connections: c.hi - c.lo,
        requests: r.requests,
        requestsPerSec: r.requestsPerSec,
        loadgenCpus: r.loadgenCpuSec / Math.max(r.durationSec, 1e-9),
        p99Ms: r.latencyMs.p99,
      };
    });
    // Hosts' CPU is not summed into one generator's: the busiest host's is what can hold the run
    // back, and its share of its threads is the generator's share (saturation.ts reads it so).
    const merged = mergeReports(reports, { sameProcess: false });
    const busiest = Math.max(...reports.map((r) => r.loadgenCpuSec));
    return { report: { ...merged, loadgenCpuSec: busiest, loadgenCpusBusySec: null }, perHost };
  } finally {
    stopAll();
  }
}

/** Sequential requests on one warm connection that measure a host's round trip to the server. */
export const RTT_REQUESTS = 50;

/**
 * Each host's round trip to the server: the latency of RTT_REQUESTS requests one after another on
 * one idle, warm connection (the network's round trip plus the server's time for the request,
 * which for a trivial route is microseconds), from one host at a time.
 */
export async function measureRtt(options: RunnerOptions, lh: LoadHosts): Promise<Rtt[]> {
  const { durationSec: _, rate: __, arrivals: ___, warmupSec: ____, segment: _____, threads: ______, ...rest } = options;
  const out: Rtt[] = [];
  for (const h of lh.hosts) {
    const { report } = await runOnHosts({ ...rest, connections: 1, pipelining: 1, requests: RTT_REQUESTS }, { hosts: [h], remoteDir: lh.remoteDir });
    out.push({ host: h.text, requests: report.requests, p50Ms: report.latencyMs.p50, p90Ms: report.latencyMs.p90, maxMs: report.latencyMs.max });
  }
  return out;
}
