// npm run bench:cpu — server CPU time per request, single-loop against node-http, side by side.
//
// Each variant runs in its own process, pinned apart from the load generator when there are
// CPUs to spare. The kernel's CPU accounting (/proc/PID/stat, user + system) is read before and
// after a timed autocannon run, so the figure is the server's own cost per request whatever the
// load generator could reach. The variants alternate run by run (A B, B A, ...), and the ratio is
// taken within each round, where both ran under about the same conditions; on a noisy machine
// the CPU time of the same work moves by tens of percent from one minute to the next. The median
// of those ratios is the result, printed with its range.

import { positiveIntFromEnv } from './lib/env.js';
import { cpuSeconds, handleInterrupts, planPinning, startServer } from './lib/processes.js';
import { autocannonLoadgen } from './loadgen/autocannon.js';
import { summarize } from './results.js';

const VARIANTS = ['single-loop', 'node-http'] as const;
const ROUNDS = positiveIntFromEnv('CPU_BENCH_ROUNDS', 5);
const DURATION_SEC = positiveIntFromEnv('CPU_BENCH_SECONDS', 3);
const CONNECTIONS = positiveIntFromEnv('CPU_BENCH_CONNECTIONS', 100);
const PATH = process.env.CPU_BENCH_PATH ?? '/plaintext';

interface Sample {
  variant: string;
  requests: number;
  requestsPerSec: number;
  cpuSec: number;
  userSec: number;
  systemSec: number;
  usPerRequest: number;
  p99Ms: number;
  errors: number;
}

async function measure(variant: string, serverPin: string[], clientPin: string[]): Promise<Sample> {
  const server = await startServer(variant, { pin: serverPin });
  try {
    const target = {
      origin: `http://127.0.0.1:${server.port}`,
      workload: { path: PATH, method: 'GET' as const, description: PATH },
      connections: CONNECTIONS,
      pipelining: 1,
      pin: clientPin,
    };
    await autocannonLoadgen.run({ ...target, durationSec: 1 }); // warm-up, discarded
    const before = cpuSeconds(server.pid);
    const load = await autocannonLoadgen.run({ ...target, durationSec: DURATION_SEC });
    const after = cpuSeconds(server.pid);
    const userSec = after.user - before.user;
    const systemSec = after.system - before.system;
    const cpuSec = userSec + systemSec;
    return {
      variant,
      requests: load.requests,
      requestsPerSec: load.requestsPerSec,
      cpuSec,
      userSec,
      systemSec,
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
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    const inRound: Record<string, number> = {};
    for (const variant of order) {
      const s = await measure(variant, serverPin, clientPin);
      samples.push(s);
      inRound[variant] = s.usPerRequest;
      console.log(
        `  round ${round + 1} ${variant.padEnd(12)} ${Math.round(s.requestsPerSec).toLocaleString('en-US').padStart(8)} req/s  ` +
          `server CPU ${s.cpuSec.toFixed(2)} s (user ${s.userSec.toFixed(2)}, system ${s.systemSec.toFixed(2)})  ` +
          `${s.usPerRequest.toFixed(1).padStart(6)} µs/req  p99 ${s.p99Ms} ms  errors ${s.errors}`,
      );
    }
    ratios.push((inRound['single-loop'] as number) / (inRound['node-http'] as number));
  }
  console.log('');
  for (const v of VARIANTS) {
    const mine = samples.filter((s) => s.variant === v);
    const us = median(mine.map((s) => s.usPerRequest));
    const userShare = mine.reduce((n, s) => n + s.userSec, 0) / mine.reduce((n, s) => n + s.cpuSec, 0);
    console.log(`${v.padEnd(12)} median ${us.toFixed(1)} µs of server CPU per request (${Math.round(userShare * 100)}% of it in user space)`);
  }
  const ratio = summarize(ratios);
  console.log(
    `ratio single-loop/node-http: ${ratio.median.toFixed(2)}x server CPU per request ` +
      `(median of the per-round ratios; rounds ${ratio.min.toFixed(2)}-${ratio.max.toFixed(2)})`,
  );
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
