// Runs autocannon in its own process (so it never shares the server's event loop) and reads
// its JSON summary.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { spawnTracked } from './processes.js';

const require = createRequire(import.meta.url);
const AUTOCANNON = join(dirname(require.resolve('autocannon/package.json')), 'autocannon.js');

/** What one autocannon run measured. */
export interface LoadResult {
  requests: number;
  requestsPerSec: number;
  latencyP99Ms: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

export async function runAutocannon(url: string, opts: { connections: number; durationSec: number; pipelining?: number; pin?: string[] }): Promise<LoadResult> {
  const args = [...(opts.pin ?? []), process.execPath, AUTOCANNON, '--json', '-c', String(opts.connections), '-d', String(opts.durationSec), '-p', String(opts.pipelining ?? 1), url];
  const { child, output } = spawnTracked(args);
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`autocannon exited with ${code}:\n${output()}`);
  const json = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
    requests: { total: number; average: number };
    latency: { p99: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
  };
  return {
    requests: json.requests.total,
    requestsPerSec: json.requests.total / json.duration,
    latencyP99Ms: json.latency.p99,
    errors: json.errors,
    timeouts: json.timeouts,
    non2xx: json.non2xx,
  };
}
