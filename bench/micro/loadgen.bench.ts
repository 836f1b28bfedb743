// npm run bench:loadgen — the instrument measured: how hard each load generator drives one fast
// server from one core. A generator that saturates below what the server can answer measures
// itself, not the server; the builtin one must reach at least 0.9x of wrk.
//
// One server (single-loop and /plaintext unless LOADGEN_BENCH_VARIANT and _WORKLOAD say otherwise)
// on its own CPU; each generator on CPU 0, 64 keep-alive connections.
// The generators alternate within each round (rotating who goes
// first), and each ratio is taken within a round, where both ran under about the same conditions;
// the median of the per-round ratios is the result.
//
// LOADGEN_BENCH_THREADS=1,2 adds builtin --threads N and wrk -tN for each N, unpinned (on any CPU,
// the server's too), side by side with the rest: how each scales with threads where the
// generator is not held to one core.

import { parseInfo } from '../../shared/serve-protocol.js';
import { serverCapacity, serverCpuShare } from '../analysis/saturation.js';
import { positiveIntFromEnv } from '../lib/env.js';
import { formatInt, formatTable } from '../lib/format.js';
import { handleInterrupts, placement, planPinning } from '../lib/processes.js';
import { summarize } from '../lib/stats.js';
import { type LoadgenName, loadgens } from '../loadgen/registry.js';
import type { LoadSample } from '../loadgen/types.js';
import { type WorkloadName, workloadNames, workloads } from '../plan/scenarios.js';
import { startVerified } from '../run/lifecycle.js';
import { observing, readServerCpu, serverCpuSince } from '../run/measure.js';

const GENERATORS: LoadgenName[] = ['builtin', 'wrk', 'autocannon'];
/** The generators LOADGEN_BENCH_THREADS runs with threads, unpinned. */
const THREADED: LoadgenName[] = ['builtin', 'wrk'];

/** One contender: a generator, its threads, and whether it is pinned to its CPU. */
interface Contender {
  label: string;
  gen: LoadgenName;
  threads: number;
  pinned: boolean;
}

interface Round {
  rps: number;
  loadgenShare: number;
  serverShare: number;
  p99Ms: number;
  errors: number;
  /** The generator's own CPU time per response: what bounds it when the server does not. */
  cpuUsPerRequest: number;
}

const isWorkloadName = (name: string): name is WorkloadName => (workloadNames as string[]).includes(name);

async function main(): Promise<number> {
  const rounds = positiveIntFromEnv('LOADGEN_BENCH_ROUNDS', 5);
  const seconds = positiveIntFromEnv('LOADGEN_BENCH_SECONDS', 5);
  const connections = positiveIntFromEnv('LOADGEN_BENCH_CONNECTIONS', 64);
  const variant = process.env.LOADGEN_BENCH_VARIANT ?? 'single-loop';
  const workload = process.env.LOADGEN_BENCH_WORKLOAD ?? 'plaintext';
  if (!isWorkloadName(workload)) throw new Error(`LOADGEN_BENCH_WORKLOAD must be one of ${workloadNames.join(', ')}, got "${workload}"`);
  const present = GENERATORS.filter((g) => loadgens[g].available());
  for (const g of GENERATORS) if (!present.includes(g)) process.stdout.write(`${g} is not available here (install ${loadgens[g].install}); left out\n`);
  const threadCounts = (process.env.LOADGEN_BENCH_THREADS ?? '')
    .split(',')
    .filter((x) => x.trim() !== '')
    .map((x) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 1 || n > connections)
        throw new Error(`LOADGEN_BENCH_THREADS: whole numbers from 1 to the connections (${connections}), got "${x}"`);
      return n;
    });
  const contenders: Contender[] = [
    ...present.map((gen) => ({ label: gen, gen, threads: 1, pinned: true })),
    ...threadCounts.flatMap((n) =>
      THREADED.filter((g) => present.includes(g)).map((gen) => ({ label: `${gen} -t${n} unpinned`, gen, threads: n, pinned: false })),
    ),
  ];

  const pinning = planPinning(true);
  const started = await startVerified(variant, { pin: pinning.serverPin });
  if (started.status !== 'ok') {
    process.stderr.write(`${variant} ${started.status}: ${started.reason}\n`);
    return 1;
  }
  const { server } = started;
  const stopHandling = handleInterrupts();
  try {
    process.stdout.write(`${variant} ${workload}, ${connections} connections, ${seconds} s per run, ${rounds} rounds; ` + `${placement(pinning)}\n`);
    const target = {
      origin: `http://127.0.0.1:${server.port}`,
      workload: workloads[workload],
      connections,
      pipelining: 1,
      ...observing(server.pid, pinning),
    };
    const capacity = serverCapacity(pinning.serverCpus, parseInfo(variant, server.output()));
    // Unpinned, on any CPU: no pin, and no CPUs of its own to read.
    const targetOf = (c: Contender) => (c.pinned ? { ...target, threads: c.threads } : { ...target, pin: [], threads: c.threads, loadgenCpuList: undefined });
    // Warm the server's JIT once, with every generator, before anything counts.
    for (const g of present) await loadgens[g].run({ ...target, durationSec: 1 });

    const got = new Map<string, Round[]>(contenders.map((c) => [c.label, []]));
    for (let r = 0; r < rounds; r++) {
      const order = contenders.map((_, i) => contenders[(i + r) % contenders.length] as Contender);
      for (const c of order) {
        const g = c.label;
        const before = readServerCpu(server.pid, pinning.serverCpuList);
        const s: LoadSample = await loadgens[c.gen].run({ ...targetOf(c), durationSec: seconds });
        const serverShare = serverCpuShare(s, serverCpuSince(before, server.pid, pinning.serverCpuList), capacity);
        const errors = s.errors + s.timeouts + s.resets + s.non2xx;
        if (s.requests === 0) throw new Error(`${g} round ${r + 1}: no response (${errors} errors)`);
        got.get(g)?.push({
          rps: s.requestsPerSec,
          loadgenShare: s.loadgenCpuSec / s.durationSec,
          cpuUsPerRequest: (s.loadgenCpuSec * 1e6) / s.requests,
          serverShare,
          p99Ms: s.latencyMs.p99,
          errors,
        });
        process.stdout.write(
          `  round ${r + 1} ${g.padEnd(20)} ${formatInt(s.requestsPerSec).padStart(8)} req/s  generator CPU ${pct(s.loadgenCpuSec / s.durationSec)}  ` +
            `server CPU ${pct(serverShare)}  p99 ${s.latencyMs.p99.toFixed(2)} ms${errors > 0 ? `  ${errors} errors or timeouts` : ''}\n`,
        );
      }
    }

    // A generator's ceiling is its core over its CPU per response; when the server is the limit
    // (its CPU near 100%), the req/s ratio says only that both reached it, and this says how far
    // each could have gone.
    const table = [['generator', 'req/s (median)', 'range', 'its CPU', 'its CPU µs/req', 'its ceiling req/s', 'server CPU', 'p99 (ms)', 'errors']];
    for (const [g, rs] of got) {
      const rps = summarize(rs.map((x) => x.rps));
      table.push([
        g,
        formatInt(rps.median),
        `${formatInt(rps.min)}–${formatInt(rps.max)}`,
        pct(summarize(rs.map((x) => x.loadgenShare)).median),
        summarize(rs.map((x) => x.cpuUsPerRequest)).median.toFixed(1),
        formatInt(1e6 / summarize(rs.map((x) => x.cpuUsPerRequest)).median),
        pct(summarize(rs.map((x) => x.serverShare)).median),
        summarize(rs.map((x) => x.p99Ms)).median.toFixed(2),
        String(rs.reduce((n, x) => n + x.errors, 0)),
      ]);
    }
    process.stdout.write(`\n${formatTable(table, (i) => i >= 1)}\n\n`);
    let ok = true;
    const ratioLine = (mine: string, other: string, goal: string) => {
      const a = got.get(mine) ?? [];
      const b = got.get(other) ?? [];
      const ratio = summarize(a.map((x, i) => x.rps / (b[i]?.rps ?? Number.NaN)));
      process.stdout.write(
        `${mine}/${other}: ${ratio.median.toFixed(2)}x req/s (median of the per-round ratios; rounds ${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})${goal}\n`,
      );
      return ratio.median;
    };
    for (const other of present.filter((g) => g !== 'builtin')) {
      const median = ratioLine('builtin', other, other === 'wrk' ? ' (goal ≥ 0.90)' : '');
      if (other === 'wrk' && median < 0.9) ok = false;
    }
    if (present.includes('wrk')) for (const n of threadCounts) ratioLine(`builtin -t${n} unpinned`, `wrk -t${n} unpinned`, '');
    return ok ? 0 : 1;
  } finally {
    stopHandling();
    await server.stop();
  }
}

function pct(share: number): string {
  return `${Math.round(share * 100)}%`;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`bench:loadgen: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
