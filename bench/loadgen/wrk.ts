// wrk (Debian package `wrk`): C, epoll; it saturates far above autocannon on one core. A Lua
// script sets method, body and pipelining and prints the summary as JSON.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, spawnTracked } from '../lib/processes.js';
import type { LoadGenerator, LoadSample, LoadTarget } from './types.js';

const SCRIPT = `
local depth = tonumber(os.getenv("CB_PIPELINE") or "1")
wrk.method = os.getenv("CB_METHOD") or "GET"
local bodyfile = os.getenv("CB_BODY_FILE")
if bodyfile and bodyfile ~= "" then
  local f = io.open(bodyfile, "rb"); wrk.body = f:read("*a"); f:close()
  wrk.headers["Content-Type"] = "application/octet-stream"
end
local req
init = function(args)
  local r = {}
  for i = 1, depth do r[i] = wrk.format() end
  req = table.concat(r)
end
request = function() return req end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('CBJSON {"requests":%d,"durationUs":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"mean":%f,"p50":%f,"p90":%f,"p99":%f,"p999":%f,"p9999":%f,"max":%f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency:percentile(99.99), latency.max))
end
`;

let dir: string | undefined;
function scratchDir(): string {
  dir ??= mkdtempSync(join(tmpdir(), 'cbench-wrk-'));
  writeFileSync(join(dir, 'cbench.lua'), SCRIPT);
  return dir;
}

function onPath(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (e) {
    // wrk --version exits 1 after printing its version
    return (e as { status?: number }).status === 1;
  }
}

export const wrkLoadgen: LoadGenerator<'wrk'> = {
  name: 'wrk',
  available: onPath,
  install: 'the Debian package wrk (apt-get install wrk)',
  // wrk 4 has no rate (wrk2 had); no open loop here.
  openLoop: false,
  version() {
    let text: string;
    try {
      text = execFileSync('wrk', ['--version'], { encoding: 'utf8' });
    } catch (e) {
      text = String((e as { stdout?: string }).stdout ?? ''); // it exits 1 after printing its version
    }
    return /^wrk (\S+)/.exec(text)?.[1] ?? 'unknown';
  },
  async run(t: LoadTarget): Promise<LoadSample> {
    if (t.rate !== undefined) throw new Error(`wrk cannot drive an open loop; use the builtin generator`);
    const d = scratchDir();
    let bodyFile = '';
    if (t.workload.body !== undefined) {
      bodyFile = join(d, 'body.bin');
      writeFileSync(bodyFile, t.workload.body);
    }
    // wrk takes whole seconds; one thread, as the load generator gets one CPU when pinned.
    const seconds = Math.max(1, Math.round(t.durationSec));
    const argv = [...t.pin, 'wrk', '-t1', `-c${t.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(d, 'cbench.lua'), t.origin + t.workload.path];
    const { child, output } = spawnTracked(argv, { CB_PIPELINE: String(t.pipelining), CB_METHOD: t.workload.method, CB_BODY_FILE: bodyFile });
    // wrk's CPU time is read from /proc while it runs; the last reading before it exits is the figure.
    let cpuSec = 0;
    const sampler = setInterval(() => {
      try {
        const c = cpuSeconds(child.pid as number);
        cpuSec = c.user + c.system;
      } catch {
        // it has just exited
      }
    }, 50);
    // 'close', not 'exit': only then has all of its output been read.
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(sampler);
    const line = output()
      .split('\n')
      .find((l) => l.startsWith('CBJSON '));
    if (code !== 0 || line === undefined) throw new Error(`wrk exited with ${code}: ${output().slice(-500)}`);
    const r = JSON.parse(line.slice('CBJSON '.length)) as Record<string, number>;
    const n = (k: string) => r[k] ?? 0;
    const durationSec = n('durationUs') / 1e6;
    const ms = (us: number) => us / 1000;
    return {
      requests: n('requests'),
      durationSec,
      requestsPerSec: n('requests') / durationSec,
      bytesPerSec: n('bytes') / durationSec,
      latencyMs: {
        mean: ms(n('mean')),
        p50: ms(n('p50')),
        p90: ms(n('p90')),
        p99: ms(n('p99')),
        p99_9: ms(n('p999')),
        p99_99: ms(n('p9999')),
        max: ms(n('max')),
      },
      errors: n('connect') + n('read') + n('write'),
      timeouts: n('timeout'),
      non2xx: n('status'),
      resets: 0,
      loadgenCpuSec: cpuSec,
      reconnects: null,
      fairness: null,
      firstResponseMs: null,
    };
  },
};
