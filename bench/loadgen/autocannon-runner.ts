// Runs autocannon in a process of its own and prints one JSON line: its result and the CPU time
// this process used, which is how the harness knows whether the load generator was the limit.

import autocannon from 'autocannon';

interface RunnerOptions {
  url: string;
  method: string;
  bodyBase64?: string;
  connections: number;
  pipelining: number;
  durationSec: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as RunnerOptions;
const cpuBefore = process.cpuUsage();
const started = process.hrtime.bigint();

autocannon(
  {
    url: opts.url,
    method: opts.method,
    ...(opts.bodyBase64 === undefined ? {} : { body: Buffer.from(opts.bodyBase64, 'base64'), headers: { 'content-type': 'application/octet-stream' } }),
    connections: opts.connections,
    pipelining: opts.pipelining,
    duration: opts.durationSec,
    // autocannon stops at the first sample tick after the duration: tick often, so short runs end on time.
    sampleInt: 100,
    timeout: 10,
  },
  (err: Error | null, result: unknown) => {
    if (err !== null) {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    }
    const cpu = process.cpuUsage(cpuBefore);
    const wallSec = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`${JSON.stringify({ result, cpuSec: (cpu.user + cpu.system) / 1e6, wallSec })}\n`);
  },
);
