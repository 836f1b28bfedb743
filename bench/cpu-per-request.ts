// npm run bench:cpu — server CPU time per request, single-loop against node-http, side by side.
//
// Each variant runs in its own process, pinned apart from the load generator when there are
// CPUs to spare. The kernel's CPU accounting (/proc/PID/stat, user + system) is read before and
// after a timed autocannon run, so the figure is the server's own cost per request whatever the
// load generator could reach. The variants alternate run by run, so drift on a noisy machine
// hits both alike; the median of the runs is reported.

import { autocannonLoadgen } from './loadgen/autocannon.js';
import { cpuSeconds, handleInterrupts, planPinning, startServer } from './lib/processes.js';
import { summarize } from './results.js';

const VARIANTS = ['single-loop', 'node-http'] as const;
const ROUNDS = Number(process.env.CPU_BENCH_ROUNDS ?? 3);
const DURATION_SEC = Number(process.env.CPU_BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.CPU_BENCH_CONNECTIONS ?? 100);
const PATH = process.env.CPU_BENCH_PATH ?? '/plaintext';

interface Sample {
  variant: string;
  requests: number;
  requestsPerSec: number;
  cpuSec: number;
  usPerRequest: number;
  p99Ms: number;
  errors: number;
}

async function measure(variant: string, serverPin: string[], clientPin: string[]): Promise<Sample> {
  const server = await startServer(variant, { pin: serverPin });
  try {
    const target = { origin: `http://127.0.0.1:${server.port}`, workload: { path: PATH, method: 'GET' as const, description: PATH }, connections: CONNECTIONS, pipelining: 1, pin: clientPin };
    await autocannonLoadgen.run({ ...target, durationSec: 1 }); // warm-up, discarded
    const before = cpuSeconds(server.pid);
    const load = await autocannonLoadgen.run({ ...target, durationSec: DURATION_SEC });
    const after = cpuSeconds(server.pid);
    const cpuSec = after.user + after.system - before.user - before.system;
    return {
      variant,
      requests: load.requests,
      requestsPerSec: load.requestsPerSec,
      cpuSec,
      usPerRequest: (cpuSec * 1e6) / load.requests,
      p99Ms: load.latencyMs.p99,
      errors: load.errors + load.timeouts + load.non2xx,
    };
  } finally {
    await server.stop();
  }
}

const median = (xs: number[]) => summarize(xs).median;

async function main(): Promise<void> {
  handleInterrupts();
  const { serverPin, loadgenPin: clientPin } = planPinning(true);
  console.log(
    `server CPU per request on ${PATH}: ${CONNECTIONS} keep-alive connections, ${DURATION_SEC} s per run, ${ROUNDS} rounds, ` +
      (serverPin.length > 0 ? `server on CPUs ${serverPin.at(-1)}, autocannon on CPU 0` : 'not pinned'),
  );
  const samples: Sample[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) {
      const s = await measure(variant, serverPin, clientPin);
      samples.push(s);
      console.log(
        `  round ${round + 1} ${variant.padEnd(12)} ${Math.round(s.requestsPerSec).toLocaleString('en-US').padStart(8)} req/s  ` +
          `server CPU ${s.cpuSec.toFixed(2)} s  ${s.usPerRequest.toFixed(1).padStart(6)} µs/req  p99 ${s.p99Ms} ms  errors ${s.errors}`,
      );
    }
  }
  const perVariant = Object.fromEntries(VARIANTS.map((v) => [v, median(samples.filter((s) => s.variant === v).map((s) => s.usPerRequest))]));
  console.log('');
  for (const v of VARIANTS) console.log(`${v.padEnd(12)} median ${(perVariant[v] as number).toFixed(1)} µs of server CPU per request`);
  const ratio = (perVariant['single-loop'] as number) / (perVariant['node-http'] as number);
  console.log(`ratio single-loop/node-http: ${ratio.toFixed(2)}x server CPU per request`);
  const errors = samples.reduce((n, s) => n + s.errors, 0);
  if (errors > 0) {
    console.error(`${errors} requests failed: the figures above are not valid`);
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
