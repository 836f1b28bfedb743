// wrk (Debian package `wrk`): C, epoll; it saturates far above autocannon on one core. A Lua
// script sets method, body and pipelining and prints the summary as JSON.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, spawnTracked } from '../lib/processes.js';
import type { LoadGenerator, LoadSample, LoadTarget } from './types.js';

// A mix (CB_MIX_FILE: one line per request, "weight method path bodyfile") is drawn per request
// with wrk's math.random, seeded: one sequence for the thread, not one per connection, since
// wrk's request() is not told which connection it fills.
const SCRIPT = `
local depth = tonumber(os.getenv("CB_PIPELINE") or "1")
wrk.method = os.getenv("CB_METHOD") or "GET"
local function slurp(path)
  local f = io.open(path, "rb"); local b = f:read("*a"); f:close(); return b
end
local bodyfile = os.getenv("CB_BODY_FILE")
if bodyfile and bodyfile ~= "" then
  wrk.body = slurp(bodyfile)
  wrk.headers["Content-Type"] = "application/octet-stream"
end
local req
local mix = nil
-- Each thread (-tN) draws a sequence of its own: its number joins the seed.
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("cb_thread", threads)
end
init = function(args)
  local mixfile = os.getenv("CB_MIX_FILE")
  if mixfile and mixfile ~= "" then
    mix = { reqs = {}, cum = {} }
    local total = 0
    for line in io.lines(mixfile) do
      local weight, method, path, file = line:match("^(%S+) (%S+) (%S+) ?(%S*)$")
      local body, headers = nil, {}
      if file ~= "" then body = slurp(file); headers["Content-Type"] = "application/octet-stream" end
      total = total + tonumber(weight)
      table.insert(mix.reqs, wrk.format(method, path, headers, body))
      table.insert(mix.cum, total)
    end
    for i = 1, #mix.cum do mix.cum[i] = mix.cum[i] / total end
    math.randomseed(tonumber(os.getenv("CB_SEED") or "1") * 1000 + (cb_thread or 1))
    return
  end
  local r = {}
  for i = 1, depth do r[i] = wrk.format() end
  req = table.concat(r)
end
local function draw()
  local x = math.random()
  for i = 1, #mix.cum do if x < mix.cum[i] then return mix.reqs[i] end end
  return mix.reqs[#mix.reqs]
end
request = function()
  if mix == nil then return req end
  if depth == 1 then return draw() end
  local r = {}
  for i = 1, depth do r[i] = draw() end
  return table.concat(r)
end
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
  threads: true,
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
    const [first, ...more] = t.workload.requests;
    if (first === undefined) throw new Error('a workload without requests');
    let bodyFile = '';
    // A mix gives each request its body; wrk.format would lend the default one to those without.
    if (first.body !== undefined && more.length === 0) {
      bodyFile = join(d, 'body.bin');
      writeFileSync(bodyFile, first.body);
    }
    let mixFile = '';
    if (more.length > 0) {
      const lines = t.workload.requests.map((r, i) => {
        if (/\s/.test(r.path) || /\s/.test(r.method)) throw new Error(`wrk cannot send a request whose method or path holds a space: ${r.method} ${r.path}`);
        let file = '';
        if (r.body !== undefined) {
          file = join(d, `body-${i}.bin`);
          writeFileSync(file, r.body);
        }
        return `${r.weight} ${r.method} ${r.path} ${file}`.trimEnd();
      });
      mixFile = join(d, 'mix.txt');
      writeFileSync(mixFile, `${lines.join('\n')}\n`);
    }
    // wrk takes whole seconds; one thread unless asked (the load generator gets one CPU when pinned).
    const seconds = Math.max(1, Math.round(t.durationSec));
    const argv = [
      ...t.pin,
      'wrk',
      `-t${t.threads ?? 1}`,
      `-c${t.connections}`,
      `-d${seconds}s`,
      '--timeout',
      '10s',
      '-s',
      join(d, 'cbench.lua'),
      t.origin + first.path,
    ];
    const { child, output } = spawnTracked(argv, {
      CB_PIPELINE: String(t.pipelining),
      CB_METHOD: first.method,
      CB_BODY_FILE: bodyFile,
      CB_MIX_FILE: mixFile,
      CB_SEED: String(t.seed ?? 1),
    });
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
      // Its summary covers every request only, not each request of a mix.
      routes: null,
    };
  },
};
