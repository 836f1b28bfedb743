// npm run bench:cpu — server CPU time per request, single-loop against node-http, side by side.
//
// Each variant runs in its own process, pinned apart from the load generator when there are
// CPUs to spare. The kernel's CPU accounting (/proc/PID/stat, user + system) is read before and
// after a timed run, so the figure is the server's own cost per request whatever the load
// generator could reach. The variants alternate run by run (A B, B A, ...) with a fresh server
// each time (alternate.ts), and the ratio is taken within each round, where both ran under about
// the same conditions; on a noisy machine the CPU time of the same work moves by tens of percent
// from one minute to the next. The median of those ratios is the result, printed with its range.
// The run is written like any other (results/<run>/results.json), so `cbench report` reads it.

import { positiveIntFromEnv } from '../lib/env.js';
import { formatInt, formatTable } from '../lib/format.js';
import { placement } from '../lib/processes.js';
import { summarize } from '../lib/stats.js';
import { DEFAULT_LOADGEN, loadgens } from '../loadgen/registry.js';
import { buildMatrix, type RunSettings, type WorkloadName, workloadNames } from '../plan/scenarios.js';
import { sampleAlternately } from '../run/alternate.js';
import { openRun, recordedSettings, start, verifyOnce } from '../run/lifecycle.js';

const VARIANTS = ['single-loop', 'node-http'] as const;

function workloadFromEnv(): WorkloadName {
  const raw = process.env.CPU_BENCH_WORKLOAD ?? 'plaintext';
  if (!(workloadNames as string[]).includes(raw)) throw new Error(`CPU_BENCH_WORKLOAD must be one of ${workloadNames.join(', ')}, got "${raw}"`);
  return raw as WorkloadName;
}

async function main(): Promise<number> {
  const settings: RunSettings = {
    variants: [...VARIANTS],
    workloads: [workloadFromEnv()],
    connections: [positiveIntFromEnv('CPU_BENCH_CONNECTIONS', 100)],
    pipelining: [1],
    durationSec: positiveIntFromEnv('CPU_BENCH_SECONDS', 3),
    warmupSec: 1,
    repetitions: positiveIntFromEnv('CPU_BENCH_ROUNDS', 5),
    capacity: null,
    targets: null,
  };
  const loadgen = loadgens[DEFAULT_LOADGEN];
  // One generator thread, as its figures have always been taken; the server on the other CPUs.
  const run = openRun({ outDir: 'results', settings: recordedSettings('cpu-per-request', settings), loadgen, pin: true, cpus: { loadgenCpus: 1 } });
  const results = run.add('');
  try {
    const { server: serverCpus, loadgen: loadgenCpus } = run.environment.pinning;
    run.log(
      `server CPU per request on ${settings.workloads[0]}: ${settings.connections[0]} keep-alive connections, ${settings.durationSec} s per run after ` +
        `${settings.warmupSec} s of warm-up, ${settings.repetitions} rounds, ${loadgen.name}; ` +
        placement({ server: serverCpus, loadgen: loadgenCpus }),
    );
    // Both verified first: a variant that answers wrongly or does not start is recorded, and nothing is measured.
    const entries = [];
    for (const variant of VARIANTS) entries.push(await verifyOnce(run, results, variant, { pin: run.pinning.serverPin }));
    if (entries.includes(undefined)) {
      run.finish();
      return 1;
    }

    const [cell] = buildMatrix({ ...settings, variants: [VARIANTS[0]] });
    if (cell === undefined) throw new Error('bench:cpu: no cell to measure');
    const rounds = new Map<string, number>();
    const got = await sampleAlternately(
      VARIANTS.map((name) => ({ name, start: () => start(name, { pin: run.pinning.serverPin }) })),
      cell,
      {
        settings,
        loadgen,
        pinning: run.pinning,
        onSample: (variant, s) => {
          const round = (rounds.get(variant) ?? 0) + 1;
          rounds.set(variant, round);
          if (s === undefined) return;
          // The harness started the server, so its CPU is known.
          const user = s.serverCpuUserSec ?? 0;
          const system = s.serverCpuSystemSec ?? 0;
          run.log(
            `  round ${round} ${variant.padEnd(12)} ${formatInt(s.requestsPerSec).padStart(8)} req/s  server CPU ${(user + system).toFixed(2)} s ` +
              `(user ${user.toFixed(2)}, system ${system.toFixed(2)})  ${(s.serverCpuUsPerRequest ?? 0).toFixed(1).padStart(6)} µs/req  ` +
              `p99 ${s.latencyMs.p99.toFixed(1)} ms  errors ${s.errors + s.timeouts + s.non2xx}`,
          );
        },
      },
    );
    for (const [i, variant] of VARIANTS.entries()) {
      const c = got.get(variant);
      if (c !== undefined) entries[i]?.cells.push(c);
    }
    run.finish();

    const [a, b] = VARIANTS.map((v) => got.get(v));
    if (a?.status !== 'ok' || b?.status !== 'ok') {
      for (const [v, c] of got) if (c.status === 'failed') run.log(`${v}: ${c.reason}`);
      run.log(`not measured in full: ${run.dir}/results.json`);
      return 1;
    }
    run.log('');
    const table = [['variant', 'server CPU µs/request (median)', 'of it in user space', 'requests/s (median)']];
    for (const [variant, c] of [
      [VARIANTS[0], a],
      [VARIANTS[1], b],
    ] as const) {
      const user = c.repetitions.reduce((n, r) => n + (r.serverCpuUserSec ?? 0), 0);
      const all = c.repetitions.reduce((n, r) => n + (r.serverCpuUserSec ?? 0) + (r.serverCpuSystemSec ?? 0), 0);
      table.push([
        variant,
        c.summary.serverCpuUsPerRequest?.median.toFixed(1) ?? '?',
        `${Math.round((user / all) * 100)}%`,
        formatInt(c.summary.requestsPerSec.median),
      ]);
    }
    run.log(formatTable(table, (i) => i >= 1));
    // Round i of each variant ran side by side: their ratio is the figure.
    const ratio = summarize(a.repetitions.map((r, i) => (r.serverCpuUsPerRequest ?? 0) / (b.repetitions[i]?.serverCpuUsPerRequest ?? Number.NaN)));
    run.log(
      `ratio ${VARIANTS[0]}/${VARIANTS[1]}: ${ratio.median.toFixed(2)}x server CPU per request ` +
        `(median of the per-round ratios; rounds ${ratio.min.toFixed(2)}-${ratio.max.toFixed(2)})`,
    );
    run.log(`results: ${run.dir}/results.json`);
    const errors = [a, b].reduce((n, c) => n + c.repetitions.reduce((m, r) => m + r.errors + r.timeouts + r.non2xx, 0), 0);
    if (errors > 0) {
      run.log(`${errors} requests failed: the figures above are not valid`);
      return 1;
    }
    return 0;
  } finally {
    run.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
