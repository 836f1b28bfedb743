// A worker killed under load: while the builtin generator drives steady load at a multi-process
// server, one worker is killed with SIGKILL (its pid from the server's process tree, never by its
// name), and what is measured is the share of requests that failed and how long until the
// replacement the primary forks serves a request.
//
// Which worker answered a request is not in the response (no variant says, and the bytes of every
// response are the same on purpose), and the primary's info line on stderr is printed once, at
// start, so its restart count says nothing of when. So: the replacement is the process that
// appears under the primary after the kill; and a request it served is found from the kernel's
// side. Probes (a keep-alive GET on a fresh connection each) go out once the replacement exists,
// and after each answer the server's end of the probe's connection is looked up in /proc/net/tcp
// and its socket among the replacement's descriptors: the process holding a connection is the one
// that reads and answers it (with round-robin scheduling the primary accepts it, hands it over
// and closes its own copy). The first probe found there dates the replacement's first answer, to
// within a probe's round trip; it may have served some of the generator's requests a little
// earlier, which the probes, a few milliseconds apart, miss by about that much.

import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { processTree } from '../lib/processes.js';
import { runBuiltin } from '../loadgen/builtin.js';
import type { LoadReport } from '../loadgen/engine.js';
import { ResponseReader } from '../loadgen/response-reader.js';
import { connectionEnds, holdsSocket } from './proc-net.js';

/** How the kill is staged. */
export interface KillPlan {
  host: string;
  port: number;
  /** The primary's pid: its children are the workers. */
  primaryPid: number;
  /** Seconds of steady load (closed loop), the kill this far into them, at this many connections. */
  durationSec: number;
  killAtSec: number;
  connections: number;
  /** A request of the load unanswered this long is a timeout (a failure). */
  timeoutSec: number;
  /** `taskset -c N` for the load generator, or nothing. */
  loadgenPin: string[];
}

/** What the kill came to. */
export interface KillFigures {
  /** Worker processes before the kill. */
  workers: number;
  connections: number;
  durationSec: number;
  killedPid: number;
  /** The process that appeared under the primary after the kill; null when none did within the bound. */
  replacementPid: number | null;
  /** Responses in the load's window, and requests that failed over the whole run (errors, timeouts, resets, non-2xx). */
  requests: number;
  failed: number;
  /** failed / (requests + failed). */
  failedShare: number;
  /** Connections the generator opened again after the server closed or reset one. */
  reconnects: number;
  /** From the kill to the replacement's process appearing, in ms; null when it did not. */
  replacedAfterMs: number | null;
  /** From the kill to the first answer found to come from the replacement, in ms; null when none did within the bound. */
  servingAfterMs: number | null;
  /** Probes sent to find it. */
  probes: number;
}

/** The replacement is looked for this long after the kill, at most. */
const WATCH_BOUND_MS = 10_000;
const PROBE_TIMEOUT_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Stages the kill; throws when there is no worker to kill or the load generator fails. */
export async function killWorkerUnderLoad(plan: KillPlan): Promise<KillFigures> {
  const before = processTree(plan.primaryPid).filter((pid) => pid !== plan.primaryPid);
  const victim = before[0];
  if (victim === undefined) throw new Error(`no worker process under the primary (pid ${plan.primaryPid})`);
  const load = runBuiltin(
    {
      host: plan.host,
      port: plan.port,
      method: 'GET',
      path: '/plaintext',
      headers: [],
      connections: plan.connections,
      pipelining: 1,
      durationSec: plan.durationSec,
      timeoutSec: plan.timeoutSec,
    },
    plan.loadgenPin,
  );
  // The load's failure is the caller's to see, after the watch; not an unhandled rejection meanwhile.
  const settled = load.then(
    (report): { report: LoadReport } => ({ report }),
    (error: unknown) => ({ error }),
  );
  const early = await Promise.race([sleep(plan.killAtSec * 1000).then(() => undefined), settled]);
  if (early !== undefined && 'error' in early) throw early.error;
  const killedAt = performance.now();
  process.kill(victim, 'SIGKILL');
  const watch = await watchReplacement(plan, new Set([plan.primaryPid, ...before]), killedAt);
  const outcome = await settled;
  if ('error' in outcome) throw outcome.error;
  const r = outcome.report;
  const failed = r.errors + r.timeouts + r.resets + r.non2xx;
  return {
    workers: before.length,
    connections: plan.connections,
    durationSec: plan.durationSec,
    killedPid: victim,
    replacementPid: watch.replacementPid,
    requests: r.requests,
    failed,
    failedShare: r.requests + failed === 0 ? 1 : failed / (r.requests + failed),
    reconnects: r.reconnects,
    replacedAfterMs: watch.replacedAt === null ? null : Math.round(watch.replacedAt - killedAt),
    servingAfterMs: watch.servingAt === null ? null : Math.round(watch.servingAt - killedAt),
    probes: watch.probes,
  };
}

/** Waits for a new process under the primary, then probes until one of its answers is found (see the top of this file). */
async function watchReplacement(
  plan: KillPlan,
  known: ReadonlySet<number>,
  killedAt: number,
): Promise<{ replacementPid: number | null; replacedAt: number | null; servingAt: number | null; probes: number }> {
  let replacementPid: number | null = null;
  let replacedAt: number | null = null;
  let probes = 0;
  while (performance.now() - killedAt < WATCH_BOUND_MS) {
    if (replacementPid === null) {
      replacementPid = processTree(plan.primaryPid).find((pid) => !known.has(pid)) ?? null;
      if (replacementPid === null) {
        await sleep(5);
        continue;
      }
      replacedAt = performance.now();
    }
    probes++;
    const answer = await probe(plan.host, plan.port);
    if (answer !== null) {
      const inode = connectionEnds(answer.localPort, plan.port).server?.inode;
      const mine = inode !== undefined && holdsSocket(replacementPid, inode);
      answer.socket.destroy();
      if (mine) return { replacementPid, replacedAt, servingAt: answer.at, probes };
    }
    await sleep(2);
  }
  return { replacementPid, replacedAt, servingAt: null, probes };
}

/** One keep-alive GET on a fresh connection: when its answer (2xx) came and the still open connection; null when it did not come. */
function probe(host: string, port: number): Promise<{ at: number; localPort: number; socket: Socket } | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, noDelay: true });
    const reader = new ResponseReader();
    const fail = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(null);
    };
    const timer = setTimeout(fail, PROBE_TIMEOUT_MS);
    socket.once('connect', () => socket.write(`GET /plaintext HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`));
    socket.on('data', (d: Buffer) => {
      if (reader.feed(d, 0, d.length) === 0) return;
      clearTimeout(timer);
      if (reader.non2xx > 0) return fail();
      resolve({ at: performance.now(), localPort: socket.localPort ?? -1, socket });
    });
    socket.on('error', fail);
    socket.on('close', fail);
  });
}
