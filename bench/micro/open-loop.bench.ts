// npm run bench:open-loop: the instrument's own curve. How well the builtin generator keeps an
// open loop's schedule against a server far faster than any variant (nginx, one worker, on its
// own CPU), at 10%, 25%, 50%, 75% and 100% of its own closed-loop ceiling there (measured again
// before each round of a share, as this VM's speed changes in phases): p50 and p99
// from each request's due time, send lag, the share of requests the generator held up, its CPU
// per request, and whether each run was generator-bound. Beside it, wrk's closed loop on the same
// nginx; with --wrk2 PATH, wrk2 at the same rates (a reference to measure against, not a
// dependency); with --baseline DIR, another checkout's generator alternated with this one (the
// before and after of a change to the engine). A capacity measured on this machine is only
// trustworthy below the rates where this curve stays flat.
//
//   npm run bench:open-loop -- [--rounds 3] [--seconds 5] [--shares 10,25,50,75,100] [--rates 13390,40000]
//                              [--arrivals constant|poisson] [--connections 256] [--wrk2 PATH] [--baseline DIR]
//
// Skipped, with a message and exit 0, where nginx is not installed (Debian: nginx-light).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generatorBoundOf, loadgenCpuShare, openLoopFigures } from '../analysis/saturation.js';
import { formatInt, formatTable } from '../lib/format.js';
import { handleInterrupts, planPinning, spawnTracked } from '../lib/processes.js';
import { summarize } from '../lib/stats.js';
import type { RunnerOptions } from '../loadgen/builtin.child.js';
import { builtinOptions, runBuiltin } from '../loadgen/builtin.js';
import type { LoadReport } from '../loadgen/engine.js';
import { loadgens } from '../loadgen/registry.js';
import { runRunner } from '../loadgen/runner-arg.js';
import { workloads } from '../plan/scenarios.js';

const USAGE =
  'usage: npm run bench:open-loop -- [--rounds N] [--seconds S] [--warmup S] [--shares 10,25,50,75,100] [--rates R,...] ' +
  '[--arrivals constant|poisson] [--connections N] [--wrk2 PATH] [--baseline DIR]';

/** wrk2 measures only after its own 10 s calibration: it runs this much longer than the window. */
const WRK2_CALIBRATION_SEC = 10;

interface Flags {
  rounds: number;
  seconds: number;
  warmup: number;
  shares: number[];
  rates: number[];
  arrivals: 'constant' | 'poisson';
  connections: number;
  wrk2: string | undefined;
  baseline: string | undefined;
}

/** One open-loop run of one generator, as the table shows it. */
interface OpenRun {
  p50Ms: number;
  p99Ms: number;
  sendLagP99Ms: number | null;
  heldUpShare: number | null;
  cpuUsPerRequest: number | null;
  achievedRps: number;
  bound: string | null;
}

class UsageError extends Error {}

function numberList(text: string, flag: string): number[] {
  const xs = text.split(',').map((x) => Number(x.trim()));
  if (xs.length === 0 || xs.some((x) => !(x > 0) || !Number.isFinite(x))) throw new UsageError(`${flag} takes numbers above 0, separated by commas`);
  return xs;
}

function positive(text: string | undefined, flag: string, fallback: number, integer = false): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw new UsageError(`${flag} takes ${integer ? 'a whole number' : 'a number'} above 0`);
  return n;
}

function nonNegative(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !(n >= 0) || !Number.isFinite(n)) throw new UsageError(`${flag} takes a number of seconds, 0 or more`);
  return n;
}

export function parseFlags(argv: string[]): Flags {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        rounds: { type: 'string' },
        seconds: { type: 'string' },
        warmup: { type: 'string' },
        shares: { type: 'string' },
        rates: { type: 'string' },
        arrivals: { type: 'string' },
        connections: { type: 'string' },
        wrk2: { type: 'string' },
        baseline: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | undefined> });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0] ?? 'bad flags');
  }
  const arrivals = values.arrivals ?? 'constant';
  if (arrivals !== 'constant' && arrivals !== 'poisson') throw new UsageError('--arrivals is constant or poisson');
  const baseline = values.baseline === undefined ? undefined : resolve(values.baseline);
  if (baseline !== undefined && !existsSync(baselineRunner(baseline)))
    throw new UsageError(`--baseline ${values.baseline}: no ${baselineRunner(baseline)} (build that checkout first: npm run build)`);
  if (values.wrk2 !== undefined && !existsSync(values.wrk2)) throw new UsageError(`--wrk2 ${values.wrk2}: no such file`);
  return {
    rounds: positive(values.rounds, '--rounds', 3, true),
    seconds: positive(values.seconds, '--seconds', 5),
    warmup: nonNegative(values.warmup, '--warmup', 1),
    shares: numberList(values.shares ?? '10,25,50,75,100', '--shares'),
    rates: values.rates === undefined ? [] : numberList(values.rates, '--rates'),
    arrivals,
    connections: positive(values.connections, '--connections', 256, true),
    wrk2: values.wrk2,
    baseline,
  };
}

/** The baseline checkout's generator process: its name since the entry points were renamed, or before. */
const baselineRunner = (dir: string) => {
  const now = join(dir, 'dist', 'bench', 'loadgen', 'builtin.child.js');
  return existsSync(now) ? now : join(dir, 'dist', 'bench', 'loadgen', 'builtin-runner.js');
};

/** nginx's path, or null where it is not installed. */
function findNginx(): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    const p = join(dir, 'nginx');
    if (dir !== '' && existsSync(p)) return p;
  }
  return null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** nginx with one worker and no master process (so its pid is the one that serves), `return 200` on every path. */
async function startNginx(nginx: string, pin: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'cbench-nginx-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 16384; }',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t === 'client_body' ? 'body' : t};`),
      '  keepalive_requests 1000000000;',
      '  keepalive_timeout 300s;',
      `  server { listen 127.0.0.1:${port} backlog=4096; location / { return 200 "Hello, World!"; } }`,
      '}',
      '',
    ].join('\n'),
  );
  const { child, output } = spawnTracked([...pin, nginx, '-e', join(dir, 'error.log'), '-p', dir, '-c', conf]);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited with ${child.exitCode}: ${output().trim().slice(-300)}`);
    }
    if (await answers(port)) return { url: `http://127.0.0.1:${port}/`, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error('nginx did not answer within 5 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Whether something on the port answers a GET with a 200. */
function answers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => s.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', () => done(false));
    s.on('close', () => done(got.startsWith('HTTP/1.1 200')));
  });
}

/** One of our open-loop runs (or the baseline checkout's, whose engine may not report what it held up) as the table shows it. */
function fromReport(r: LoadReport): OpenRun {
  const o = r.openLoop;
  const knows = o !== null && o.heldUp !== undefined && o.notHeldLatencyMs !== undefined;
  const figures = knows ? openLoopFigures(o, r.latencyMs.p99, loadgenCpuShare(r)) : null;
  return {
    p50Ms: r.latencyMs.p50,
    p99Ms: r.latencyMs.p99,
    sendLagP99Ms: o?.sendLagMs.p99 ?? null,
    heldUpShare: figures?.heldUpShare ?? null,
    cpuUsPerRequest: r.requests > 0 ? (r.loadgenCpuSec * 1e6) / r.requests : null,
    achievedRps: r.requestsPerSec,
    bound: figures === null ? null : generatorBoundOf(figures),
  };
}

/** wrk2's latency distribution line for a percentile, in ms (it prints us, ms, s or m). */
function wrk2Percentile(out: string, pct: string): number {
  const m = new RegExp(`^\\s*${pct.replace('.', '\\.')}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
  if (m === null) throw new Error(`wrk2 printed no ${pct}% line: ${out.slice(-300)}`);
  const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(m[1]) * unit;
}

/** wrk2 (one thread) at `rate` with latency from intended send times; only the window after its calibration counts. */
async function runWrk2(path: string, url: string, rate: number, f: Flags, pin: string[]): Promise<OpenRun> {
  const seconds = Math.ceil(WRK2_CALIBRATION_SEC + f.seconds + 1);
  const { child, output } = spawnTracked([...pin, path, '-t1', `-c${f.connections}`, `-d${seconds}s`, `-R${Math.round(rate)}`, '--latency', url]);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  const out = output();
  if (code !== 0) throw new Error(`wrk2 exited with ${code}: ${out.slice(-300)}`);
  const section = out.slice(out.indexOf('Latency Distribution'));
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  return {
    p50Ms: wrk2Percentile(section, '50.000'),
    p99Ms: wrk2Percentile(section, '99.000'),
    sendLagP99Ms: null,
    heldUpShare: null,
    cpuUsPerRequest: null,
    achievedRps: rps === null ? 0 : Number(rps[1]),
    bound: null,
  };
}

const ms = (x: number) => (x >= 100 ? formatInt(x) : x.toFixed(2));
const median = (xs: number[]) => (xs.length === 0 ? Number.NaN : summarize(xs).median);

async function main(argv: string[]): Promise<number> {
  let f: Flags;
  try {
    f = parseFlags(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bench:open-loop: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  const nginx = findNginx();
  if (nginx === null) {
    process.stdout.write('bench:open-loop: nginx is not installed (Debian: apt-get install nginx-light); skipped.\n');
    return 0;
  }
  const pinning = planPinning(true);
  const nginxPin = pinning.serverCpuList === null ? [] : ['taskset', '-c', String(pinning.serverCpuList[0])];
  const stopHandling = handleInterrupts();
  let server: Awaited<ReturnType<typeof startNginx>>;
  try {
    server = await startNginx(nginx, nginxPin);
  } catch (e) {
    stopHandling();
    throw e;
  }
  try {
    const url = new URL(server.url);
    const base: RunnerOptions = {
      ...builtinOptions({ origin: url.origin, workload: workloads.plaintext, connections: f.connections, pipelining: 1, durationSec: f.seconds, pin: [] }),
      path: '/',
    };
    process.stdout.write(
      `nginx (one worker${nginxPin.length === 0 ? '' : `, CPU ${pinning.serverCpuList?.[0]}`}) at ${server.url}; generators ${pinning.loadgen === null ? 'not pinned' : `on CPU ${pinning.loadgen} (builtin by its main thread)`}, ` +
        `${f.connections} connections, ${f.seconds} s windows, ${f.rounds} rounds, ${f.arrivals} arrivals` +
        `${f.baseline === undefined ? '' : `; baseline ${f.baseline} (given --warmup too, which an engine before it had one ignores: such a baseline starts its window cold, as it always did)`}` +
        `${f.wrk2 === undefined ? '' : `; wrk2 ${f.wrk2} (after its own ${WRK2_CALIBRATION_SEC} s calibration)`}\n\n`,
    );

    // The generator's closed-loop ceiling here, beside wrk's: what the open loop's rates are shares of.
    const wrk = loadgens.wrk.available() ? loadgens.wrk : null;
    const closed: LoadReport[] = [];
    const wrkRps: number[] = [];
    const wrkCpu: number[] = [];
    for (let r = 0; r < f.rounds; r++) {
      closed.push(await runBuiltin(base, pinning.loadgenPin));
      if (wrk !== null) {
        const s = await wrk.run({
          origin: url.origin,
          workload: workloads.plaintext,
          connections: f.connections,
          pipelining: 1,
          durationSec: f.seconds,
          pin: pinning.loadgenPin,
        });
        wrkRps.push(s.requestsPerSec);
        wrkCpu.push((s.loadgenCpuSec * 1e6) / Math.max(1, s.requests));
      }
    }
    const ceiling = median(closed.map((c) => c.requestsPerSec));
    const closedRows = [
      ['closed loop', 'req/s', 'p50 ms', 'p99 ms', 'its CPU µs/req'],
      [
        'builtin',
        formatInt(ceiling),
        ms(median(closed.map((c) => c.latencyMs.p50))),
        ms(median(closed.map((c) => c.latencyMs.p99))),
        median(closed.map((c) => (c.loadgenCpuSec * 1e6) / Math.max(1, c.requests))).toFixed(1),
      ],
      ...(wrk === null ? [['wrk', 'not installed', '', '', '']] : [['wrk', formatInt(median(wrkRps)), '', '', median(wrkCpu).toFixed(1)]]),
    ];
    process.stdout.write(`${formatTable(closedRows, (i) => i >= 1)}\n\n`);

    // A share is of the ceiling measured again just before each round of it: this VM's speed
    // changes in phases about 2× apart, and a share of a ceiling measured minutes earlier in
    // another phase is no share at all (measured: 89,074 req/s at the start of a run, and the
    // generator collapsing at "50%" of it in a slower phase later).
    const targets = [
      ...f.shares.map((s) => ({ label: `${s}%`, share: s / 100, rps: (s / 100) * ceiling })),
      ...f.rates.map((rps) => ({ label: formatInt(rps), share: null, rps })),
    ];
    const offered = new Map<string, number[]>();
    type Who = 'builtin' | 'baseline' | 'wrk2';
    const who: Who[] = ['builtin', ...(f.baseline === undefined ? [] : (['baseline'] as const)), ...(f.wrk2 === undefined ? [] : (['wrk2'] as const))];
    const got = new Map<string, OpenRun[]>();
    const runOne = async (w: Who, rps: number, round: number): Promise<OpenRun> => {
      const options: RunnerOptions = { ...base, rate: rps, arrivals: f.arrivals, seed: round + 1, ...(f.warmup > 0 ? { warmupSec: f.warmup } : {}) };
      if (w === 'builtin') return fromReport(await runBuiltin(options, pinning.loadgenPin));
      if (w === 'baseline') {
        const bound = (f.seconds + f.warmup + 30) * 1000;
        const run = { pin: pinning.loadgenPin, key: 'report', what: 'the baseline generator', boundMs: bound };
        return fromReport((await runRunner<{ report: LoadReport }>(baselineRunner(f.baseline as string), options, run)).report);
      }
      return runWrk2(f.wrk2 as string, server.url, rps, f, pinning.loadgenPin);
    };
    for (const t of targets) {
      for (let r = 0; r < f.rounds; r++) {
        const rps = t.share === null ? t.rps : t.share * (await runBuiltin(base, pinning.loadgenPin)).requestsPerSec;
        offered.set(t.label, [...(offered.get(t.label) ?? []), rps]);
        // Alternated, the first of them rotating from round to round.
        for (let i = 0; i < who.length; i++) {
          const w = who[(i + r) % who.length] as Who;
          const run = await runOne(w, rps, r);
          const key = `${t.label}|${w}`;
          got.set(key, [...(got.get(key) ?? []), run]);
          process.stderr.write(`  ${t.label.padStart(7)} ${w.padEnd(8)} round ${r + 1}: p99 ${ms(run.p99Ms)} ms\n`);
        }
      }
    }

    const head = [
      'offered',
      'req/s (median)',
      'generator',
      'achieved',
      'p50 ms',
      'p99 ms (median)',
      'p99 range',
      'send lag p99',
      'held up',
      'its CPU µs/req',
      'generator-bound',
    ];
    const rows: string[][] = [head];
    for (const t of targets)
      for (const w of who) {
        const runs = got.get(`${t.label}|${w}`) ?? [];
        const p99 = summarize(runs.map((x) => x.p99Ms));
        const some = (f: (x: OpenRun) => number | null) => {
          const xs = runs.map(f).filter((x): x is number => x !== null);
          return xs.length === 0 ? null : median(xs);
        };
        const lag = some((x) => x.sendLagP99Ms);
        const held = some((x) => x.heldUpShare);
        const cpu = some((x) => x.cpuUsPerRequest);
        const bound = runs.filter((x) => x.bound !== null).length;
        rows.push([
          t.label,
          formatInt(median(offered.get(t.label) ?? [t.rps])),
          w,
          formatInt(median(runs.map((x) => x.achievedRps))),
          ms(median(runs.map((x) => x.p50Ms))),
          ms(p99.median),
          `${ms(p99.min)}–${ms(p99.max)}`,
          lag === null ? '—' : ms(lag),
          held === null ? '—' : `${(held * 100).toFixed(1)}%`,
          cpu === null ? '—' : cpu.toFixed(1),
          w === 'wrk2' ? '—' : `${bound} of ${runs.length}`,
        ]);
      }
    process.stdout.write(`${formatTable(rows, (i) => i === 1 || (i >= 3 && i <= 9))}\n\n`);

    // The acceptance figures: how far the tail grows with the rate, and how it compares with wrk2's.
    const p99Of = (label: string, w: Who) => median((got.get(`${label}|${w}`) ?? []).map((x) => x.p99Ms));
    const lowest = targets[0];
    for (const w of who.filter((x) => x !== 'wrk2')) {
      if (lowest === undefined) break;
      const growth = targets.slice(1).map((t) => `${t.label} ${(p99Of(t.label, w) / p99Of(lowest.label, w)).toFixed(1)}×`);
      process.stdout.write(`${w}: p99 against its p99 at ${lowest.label}: ${growth.join(', ')}\n`);
    }
    if (f.wrk2 !== undefined)
      for (const w of who.filter((x) => x !== 'wrk2'))
        process.stdout.write(
          `${w} p99 / wrk2 p99: ${targets.map((t) => `${t.label} ${(p99Of(t.label, w) / p99Of(t.label, 'wrk2')).toFixed(2)}`).join(', ')}\n`,
        );
    return 0;
  } finally {
    await server.stop();
    stopHandling();
  }
}

// Run only as a script, so a test can import parseFlags.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`bench:open-loop: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}

/** Whether the nginx this bench needs is here (for a test that skips without it). */
export function nginxAvailable(): boolean {
  const nginx = findNginx();
  return nginx !== null && spawnSync(nginx, ['-v']).status === 0;
}
