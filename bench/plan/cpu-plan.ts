// How a run shares the machine's CPUs between the server and the load generator: how many each
// gets, and so how many threads the generator runs and how many workers cluster, worker-pool and
// offload default to (one per server CPU). Explicit (--server-cpus, --loadgen-cpus), or by the
// rule below; printed at the start of a run and recorded in results.json.

import type { CpuPlanRecord } from '../results/results.js';
import { SATURATED_SHARE } from '../results/sample.js';

/**
 * The builtin generator's CPU per response, closed loop, one thread, 64 connections, against
 * single-loop on plaintext and json (the fastest variant), in µs; and the server's CPU per
 * request in the same repetitions: the medians of the quick profile's four repetitions on the
 * 2-core development VM on 2026-12-05 (docs/cpu-plan.md). Only their ratio matters to the rule.
 */
export const GENERATOR_US_PER_RESPONSE = 13.75;
export const SERVER_US_PER_REQUEST = 13.65;

/** What a run asks of the split: explicit counts (either, both or none), and whether to pin. */
export interface CpuAsk {
  serverCpus?: number | undefined;
  loadgenCpus?: number | undefined;
  pin: boolean;
  /** Why it is not pinned when `pin` is false (default: --no-pin). */
  unpinned?: string | undefined;
  /** The server runs on this other host (`--server-host`), on its own CPUs: this machine is the generator's. */
  serverHost?: string | undefined;
}

/** How the CPUs are shared, as printed and recorded (results.ts declares it). */
export type CpuPlan = CpuPlanRecord;

/**
 * The generator's CPUs by the default rule: enough that, with the fastest variant's server busy on
 * the rest, the generator stays below its saturation mark: loadgen ÷ server ≥ generator's CPU per
 * response ÷ (0.9 × the server's per request), rounded to the nearest whole CPU, at least one for
 * each side. With the measured costs that is about half: 1 of 2, 2 of 4, 4 of 8, 8 of 16.
 */
export function defaultLoadgenCpus(cpus: number): number {
  if (cpus < 2) return 1;
  const share = GENERATOR_US_PER_RESPONSE / (GENERATOR_US_PER_RESPONSE + SATURATED_SHARE * SERVER_US_PER_REQUEST);
  return Math.min(cpus - 1, Math.max(1, Math.round(cpus * share)));
}

/** The split a run asks for on a machine of `cpus` CPUs; throws with the reason for one that does not fit. */
export function planCpus(ask: CpuAsk, cpus: number): CpuPlan {
  return { serverHost: null, ...splitCpus(ask, cpus) };
}

/** planCpus without the record's default for a server here. */
function splitCpus(ask: CpuAsk, cpus: number): Omit<CpuPlan, 'serverHost'> & { serverHost?: string } {
  const explicit = ask.serverCpus !== undefined || ask.loadgenCpus !== undefined;
  const unpinned = ask.unpinned ?? 'not pinned (--no-pin)';
  for (const [flag, n] of [
    ['--server-cpus', ask.serverCpus],
    ['--loadgen-cpus', ask.loadgenCpus],
  ] as const) {
    if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new Error(`${flag}: a whole number of CPUs, 1 or more; got ${n}`);
    if (n !== undefined && n > cpus) throw new Error(`${flag} ${n}: this machine has ${cpus} CPU${cpus === 1 ? '' : 's'}`);
  }
  if (cpus < 2)
    return {
      cpus,
      server: 1,
      loadgen: 1,
      pinned: false,
      rule: explicit ? 'explicit' : 'default',
      why: 'one CPU: the server and the generator share it, the generator one thread',
    };
  if (ask.serverHost !== undefined) {
    const loadgen = ask.loadgenCpus ?? cpus;
    return {
      cpus,
      server: cpus,
      loadgen,
      pinned: false,
      rule: explicit ? 'explicit' : 'default',
      why: `the server runs on ${ask.serverHost}, on its own CPUs; the generator runs ${loadgen} thread${loadgen === 1 ? '' : 's'} here, not pinned`,
      serverHost: ask.serverHost,
    };
  }
  if (!ask.pin) {
    // Not pinned, the server may use every CPU unless told how many its workers default to.
    const loadgen = ask.loadgenCpus ?? defaultLoadgenCpus(cpus);
    const server = ask.serverCpus ?? cpus;
    const threads = `${loadgen} thread${loadgen === 1 ? '' : 's'}`;
    return {
      cpus,
      server,
      loadgen,
      pinned: false,
      rule: explicit ? 'explicit' : 'default',
      why: explicit
        ? `as asked, ${unpinned}: the server's workers default to ${server}, the generator runs ${threads}; both on any CPU`
        : `${unpinned}: the server may use all ${cpus} CPUs and its workers default to ${cpus}; the generator runs ${threads} (its share by the default rule) on any of them`,
    };
  }
  const loadgen = ask.loadgenCpus ?? (ask.serverCpus === undefined ? defaultLoadgenCpus(cpus) : cpus - ask.serverCpus);
  const server = ask.serverCpus ?? cpus - loadgen;
  if (loadgen < 1) throw new Error(`--server-cpus ${server} leaves the load generator no CPU of the ${cpus}`);
  if (server < 1) throw new Error(`--loadgen-cpus ${loadgen} leaves the server no CPU of the ${cpus}`);
  if (server + loadgen > cpus)
    throw new Error(`--server-cpus ${server} and --loadgen-cpus ${loadgen} ask for ${server + loadgen} CPUs; this machine has ${cpus}`);
  return {
    cpus,
    server,
    loadgen,
    pinned: true,
    rule: explicit ? 'explicit' : 'default',
    why: explicit
      ? `as asked: ${server} for the server, ${loadgen} for the generator${server + loadgen < cpus ? `, ${cpus - server - loadgen} left idle` : ''}`
      : cpus === 2
        ? 'the default rule on 2 CPUs: one for the generator and one for the server, each side a single CPU (the workers of cluster, worker-pool and offload default to one)'
        : `the default rule: the generator's share is what keeps it below 90% of its CPUs while the fastest variant saturates the server's (${GENERATOR_US_PER_RESPONSE} µs per response against ${SERVER_US_PER_REQUEST} µs per request, measured)`,
  };
}

/** The split in a few words: `server 1 CPU, generator 1 CPU (1 thread), pinned`. */
export function planText(p: CpuPlan): string {
  const cpus = (n: number) => `${n} CPU${n === 1 ? '' : 's'}`;
  if (p.serverHost !== null) return `server on ${p.serverHost}, generator here (${p.loadgen} thread${p.loadgen === 1 ? '' : 's'}), not pinned; ${p.why}`;
  return `server ${p.pinned ? cpus(p.server) : `any of ${cpus(p.cpus)}`}, generator ${p.pinned ? cpus(p.loadgen) : 'any'} (${p.loadgen} thread${p.loadgen === 1 ? '' : 's'}), ${p.pinned ? 'pinned' : 'not pinned'}; ${p.why}`;
}

/** The fewest CPUs on which the default rule gives the server `server` of them. */
export function machineFor(server: number): number {
  let n = Math.max(2, server + 1);
  while (n - defaultLoadgenCpus(n) < server) n++;
  return n;
}

/** Why worker counts above the server's CPUs were left out of a scaling curve, and how to measure them. */
export function notMeasurableText(counts: readonly number[], p: Pick<CpuPlan, 'cpus' | 'server' | 'pinned'>): string {
  const k = counts.join(', ');
  const cpus = (n: number) => `${n} CPU${n === 1 ? '' : 's'}`;
  const more = Math.max(...counts);
  return (
    `${k} workers: the server has ${cpus(p.server)}${p.pinned ? '' : ' (not pinned)'}, so more workers than that would share CPUs and measure that, not how the model scales; ` +
    `measure them on a machine whose plan gives the server ${cpus(more)} or more (${p.pinned ? '--server-cpus, or ' : ''}${cpus(machineFor(more))} by the default rule)`
  );
}
