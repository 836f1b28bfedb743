import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '../../bench/lib/processes.js';
import { cellsOf } from '../../bench/results/results.js';
import { readResults } from '../../bench/results/store.js';
import { runCbench } from '../test-support/cbench-process.js';

const out = mkdtempSync(join(tmpdir(), 'cbench-bench-cli-'));
const servers: ServerProcess[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(out, { recursive: true, force: true });
});

const fixture = join(import.meta.dirname, '..', '..', 'bench', 'test-support', 'target-server.mjs');

/** A server started outside the suite, as a user's app would be. */
async function externalServer(...args: string[]): Promise<ServerProcess> {
  const s = await startServer('external', { argv: [process.execPath, fixture, ...args] });
  servers.push(s);
  return s;
}

const cbench = (args: string[]) => runCbench(args).closed;
const lastRun = () => join(out, 'latest');

describe('cbench bench --target', () => {
  it('measures servers it did not start, verified on the chosen workloads only, and writes results and a report', async () => {
    const known = await externalServer();
    const unknown = await externalServer();
    const { code, stdout, stderr } = await cbench([
      'bench',
      '--profile',
      'smoke',
      '--workloads',
      'plaintext,json',
      '--target',
      `app=http://127.0.0.1:${known.port}`,
      '--target-pid',
      `app=${known.pid}`,
      '--target',
      `http://127.0.0.1:${unknown.port}`,
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/targets: app = http:\/\/127\.0\.0\.1:\d+ \(pid \d+\), 127\.0\.0\.1:\d+ = .* \(CPU and memory unknown\)/);
    const results = readResults(lastRun());
    expect(results.settings.targets).toEqual([
      { name: 'app', url: `http://127.0.0.1:${known.port}`, pid: known.pid },
      { name: `127.0.0.1:${unknown.port}`, url: `http://127.0.0.1:${unknown.port}`, pid: null },
    ]);
    expect(results.environment.pinning).toEqual({ server: null, loadgen: null });
    const [app, anon] = results.variants;
    expect(app).toMatchObject({ name: 'app', status: 'ok', pids: [known.pid], verification: { ok: true, failures: [] } });
    expect(anon).toMatchObject({ status: 'ok', pids: [] });
    for (const v of [app, anon])
      expect(cellsOf(v!).map((c) => [c.workload, c.status])).toEqual([
        ['plaintext', 'ok'],
        ['json', 'ok'],
      ]);
    // Its process known, its CPU and memory are read; unknown, they are null, not 0.
    const cellOf = (i: number) => {
      const c = cellsOf(results.variants[i]!)[0];
      if (c?.status !== 'ok') throw new Error('measured above');
      return c;
    };
    expect(cellOf(0).summary.serverCpuUsPerRequest?.median).toBeGreaterThan(0);
    expect(cellOf(0).summary.serverPeakRssBytes?.max).toBeGreaterThan(1_000_000);
    expect(cellOf(1).summary.serverCpuUsPerRequest).toBeNull();
    expect(cellOf(1).summary.serverPeakRssBytes).toBeNull();
    expect(cellOf(1).repetitions[0]).toMatchObject({ serverCpuUserSec: null, serverCpuShare: null, bottleneck: null });
    // Two targets are ranked; the report names them.
    expect(readFileSync(join(lastRun(), 'report.md'), 'utf8')).toMatch(/plaintext: (app|127\.0\.0\.1:\d+) (served the most|and .* were within)/);
    expect(readFileSync(join(lastRun(), 'report.html'), 'utf8')).toContain('app');
    // The servers are someone else's: still running afterwards.
    expect(known.exited()).toBe(false);
  });

  it('refuses a target whose answers are wrong, and measures it with --no-verify', async () => {
    const wrong = await externalServer('wrong');
    const url = `http://127.0.0.1:${wrong.port}`;
    const refused = await cbench(['bench', '--profile', 'smoke', '--workloads', 'json', '--target', url, '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/REFUSED, not measured: GET \/json: body/);
    expect(readResults(lastRun()).variants[0]).toMatchObject({ status: 'refused' });

    const measured = await cbench(['bench', '--profile', 'smoke', '--workloads', 'json', '--target', url, '--no-verify', '--out', out]);
    expect(measured.code, measured.stderr).toBe(0);
    // One server: nothing to rank it against.
    expect(readFileSync(join(lastRun(), 'report.md'), 'utf8')).toMatch(/json: 127\.0\.0\.1:\d+ served [\d,]+ req\/s at 1 connection, p99 [\d.]+ ms\./);
    expect(readResults(lastRun()).variants[0]).toMatchObject({ status: 'ok', verification: { ok: true, skipped: true } });
  });
});

describe('cbench bench --rates', () => {
  it('runs a capacity sweep from the command line, prints the capacity table, and writes it and its charts into the report', async () => {
    const { code, stdout, stderr } = await cbench([
      'bench',
      '--profile',
      'smoke',
      '--variants',
      'single-loop',
      '--workloads',
      'plaintext',
      '--connections',
      '4',
      '--rates',
      '25%,50%,100%,130%',
      '--slo-p99',
      '80',
      '--arrivals',
      'constant',
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(
      /^plan: .* 4 offered rates \(25%, 50%, 100%, 130%; % of that maximum\) and up to 2 more by bisection, open loop, constant arrivals/m,
    );
    expect(stdout).toMatch(/^expected duration ≈ \d+s/m);
    expect(stdout).toMatch(/^capacity: the highest offered rate kept up with/m);
    // Which capacity this tiny sweep finds depends on how busy the machine is (the other test files
    // run beside it): a number, a floor (≥) when the load generator explained the first miss, or
    // none kept up. The row prints what results.json holds.
    const row = /^single-loop\s+plaintext\s+4\s+80\s+≥?([\d,]+|none kept up)\*?\s/m.exec(stdout);
    expect(row, stdout).not.toBeNull();
    const results = readResults(lastRun());
    expect(results.settings.capacity).toEqual({ rates: ['25%', '50%', '100%', '130%'], refine: 2, sloP99Ms: { plaintext: 80 }, arrivals: 'constant' });
    const cell = cellsOf(results.variants[0]!)[0];
    if (cell?.status !== 'ok' || cell.sweep === null) throw new Error(`not measured: ${JSON.stringify(cell)}`);
    expect(row![1]).toBe(cell.capacityRps === null ? 'none kept up' : Math.round(cell.capacityRps).toLocaleString('en-US'));
    // The four rates asked for, and up to two more between the capacity and the first miss.
    expect(cell.sweep.points.filter((p) => !p.refined).map((p) => p.rate)).toEqual(['25%', '50%', '100%', '130%']);
    expect(cell.sweep.points.filter((p) => p.refined).length).toBeLessThanOrEqual(2);
    expect(readFileSync(join(lastRun(), 'report.md'), 'utf8')).toMatch(/## Capacity at the latency objective[\s\S]*charts\/capacity-latency\.svg/);
    expect(existsSync(join(lastRun(), 'charts', 'capacity-throughput.svg'))).toBe(true);
  });
});

describe('cbench bench --app', () => {
  it("benchmarks an app's own mix on two variants: verified, per-route figures, the app recorded", async () => {
    const app = join(out, 'app.mjs');
    writeFileSync(
      app,
      `export default {
  routes: {
    'GET /quick': () => ({ status: 200, contentType: 'text/plain', body: 'quick' }),
    'GET /sum': { cpu: true, handler: (req) => { let s = 0; for (let i = 0; i < Number(req.query.get('n')); i++) s += i; return { status: 200, contentType: 'text/plain', body: String(s) }; } },
    'POST /len': async (req) => ({ status: 200, contentType: 'text/plain', body: String(req.body.length) }),
  },
  workloads: {
    'my-mix': [
      { method: 'GET', path: '/quick', weight: 8, expect: { body: 'quick' } },
      { method: 'GET', path: '/sum?n=100000', weight: 1, expect: { body: '4999950000' } },
      { method: 'POST', path: '/len', body: 'twelve bytes', weight: 1, expect: { body: '12' } },
    ],
  },
};
`,
    );
    const { code, stdout, stderr } = await cbench([
      'bench',
      '--profile',
      'smoke',
      '--variants',
      'single-loop,offload',
      '--app',
      app,
      '--no-pin',
      '--workers',
      '1',
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^plan: 2 variants × 1 workloads → 2 cells/m);
    const results = readResults(lastRun());
    expect(results.settings).toMatchObject({ workloads: ['my-mix'], app, workers: [1] });
    expect(results.settings.mixes['my-mix']?.requests.map((r) => [r.label, r.share, r.heavy, r.bodyBytes])).toEqual([
      ['GET /quick', 0.8, false, 0],
      ['GET /sum?n=100000', 0.1, true, 0],
      ['POST /len', 0.1, false, 12],
    ]);
    for (const v of results.variants) {
      expect(v).toMatchObject({ status: 'ok', verification: { ok: true, failures: [] } });
      const cell = cellsOf(v)[0];
      if (cell?.status !== 'ok') throw new Error(`not measured: ${JSON.stringify(cell)}`);
      expect(cell.summary.errors).toBe(0);
      expect(cell.summary.routes?.map((r) => r.label)).toEqual(['GET /quick', 'GET /sum?n=100000', 'POST /len']);
      expect(cell.summary.routes?.reduce((n, r) => n + r.requests, 0)).toBe(cell.repetitions[0]?.requests);
      expect(cell.summary.routes?.every((r) => r.non2xx === 0)).toBe(true);
    }
    // offload sends the route the app marks cpu to its pool.
    expect(results.variants[1]).toMatchObject({ name: 'offload', info: { workers: 1, offloads: '/cpu,GET:/sum' } });
  });

  it('refuses, at verification, an app whose answers are not what its workload expects, and exits though the app keeps a timer', async () => {
    const app = join(out, 'wrong.mjs');
    writeFileSync(
      app,
      `// A timer that would keep any process that imported this module running.
setInterval(() => {}, 1000);
export default {
  routes: { 'GET /a': () => ({ status: 200, contentType: 'text/plain', body: 'b' }), 'GET /broken': () => { throw new Error('no'); } },
  workloads: { w: [{ method: 'GET', path: '/a', expect: { body: 'a' } }, { method: 'GET', path: '/broken' }] },
};
`,
    );
    const { code, stdout } = await cbench(['bench', '--profile', 'smoke', '--variants', 'single-loop', '--app', app, '--out', out]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/REFUSED, not measured: GET \/a: body "b", expected "a"; GET \/broken: status 500, expected a 2xx/);
  });
});

describe('cbench bench: flags of capacity runs, targets and the resilience profile', () => {
  it.each([
    [['--workloads', 'json,nope'], /unknown workload 'nope'/],
    [['--workloads', 'json@5%'], /json does not mix heavy requests with others/],
    [['--workloads', 'json', '--heavy-share'], /--heavy-share is for mixes of heavy and other requests/],
    [['--heavy-share', '5,101'], /expected percentages from 0 to 100/],
    [['--app', 'no-such-app.mjs'], /app no-such-app\.mjs: no such file/],
    [['--app', 'package.json'], /an app is an ES module/],
    [['--app', 'examples/app.mjs', '--against', 'HEAD'], /--against builds another tree, which may not serve --app/],
    [['--app', 'examples/app.mjs', '--target', 'http://127.0.0.1:1'], /--app is served by the variants the suite starts/],
    [['--workers', '2', '--target', 'http://127.0.0.1:1'], /--workers is for the variants the suite starts/],
    [['--workers', '0'], /expected comma-separated integers of 1 or more/],
    [['--workers', '1,2000'], /expected worker counts from 1 to 1024/],
    [['--target', 'ftp://127.0.0.1:21'], /only http:\/\/ targets/],
    [['--target', 'http://127.0.0.1:8080/api'], /give the origin only/],
    [['--target', 'a=http://127.0.0.1:1', '--target', 'a=http://127.0.0.1:2'], /two targets named a/],
    [['--target-pid', '1'], /--target-pid names the process of a --target/],
    [['--target', 'http://127.0.0.1:1', '--target-pid', 'other=1'], /no target is named other/],
    [['--target', 'http://127.0.0.1:1', '--variants', 'single-loop'], /leave out --variants/],
    [['--no-verify'], /--no-verify is for --target/],
    [['--rates', '50%%'], /a rate is a number of req\/s above 0 or a percentage/],
    [['--rates', '0'], /a rate is a number/],
    [['--rates', '50%,90%,50%'], /the rate 50% is listed twice/],
    [['--rates', '50%', '--loadgen', 'autocannon'], /needs an open-loop load generator; autocannon has none/],
    [['--slo-p99', '20'], /--slo-p99, --arrivals and --refine are for a capacity run/],
    [['--refine', '1'], /--slo-p99, --arrivals and --refine are for a capacity run/],
    [['--rates', '50%', '--refine', '11'], /expected an integer from 0 to 10/],
    [['--profile', 'capacity', '--slo-p99', '-1'], /expected a number of milliseconds above 0/],
    [['--profile', 'capacity', '--against', 'HEAD'], /--against does not run capacity sweeps/],
    [['--idle-connections', '10'], /--idle-connections is for --profile resilience/],
    [['--headers-timeout', '500', '--attack-window', '3'], /--attack-window, --headers-timeout are for --profile resilience/],
    [['--profile', 'resilience', '--workloads', 'json', '--duration', '2'], /--workloads, --duration do not apply to --profile resilience/],
    [['--profile', 'resilience', '--target', 'http://127.0.0.1:1'], /--target does not apply to --profile resilience/],
    [['--profile', 'resilience', '--loadgen', 'autocannon'], /--profile resilience drives its load with its own clients and builtin/],
    [['--profile', 'resilience', '--attack-window', '0'], /--attack-window must be a number of seconds above 0/],
    [['--threshold', 'json:p99<<20ms'], /^error: --threshold 'json:p99<<20ms' is not \[SELECTOR:\]METRIC OP NUMBER\[UNIT\]/],
    [['--threshold', 'json:latency<20ms'], /unknown metric 'latency'/],
    [['--format', 'junit,csv'], /^error: --format: unknown format 'csv' \(valid: github-action-benchmark, bencher, junit\)/],
  ])('%j: one line and the usage, exit 2', async (args, message) => {
    const { code, stderr } = await cbench(['bench', ...args, '--out', out]);
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^usage: cbench bench/);
  });
});

describe('cbench bench --threshold and --format', () => {
  it('checks absolute objectives on every cell they name, records them, writes the CI formats beside results.json, and exits 99 when one fails', async () => {
    const { code, stdout, stderr } = await cbench([
      'bench',
      '--profile',
      'smoke',
      '--variants',
      'single-loop',
      '--workloads',
      'plaintext,json',
      '--threshold',
      '*:errors==0',
      '--threshold',
      'plaintext:p99<0.001ms',
      '--format',
      'github-action-benchmark,bencher',
      '--format',
      'junit',
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(99);
    expect(stdout).toMatch(/\*:errors==0\s+single-loop json c=1 p=1\s+0\s+pass/);
    expect(stdout).toMatch(/plaintext:p99<0\.001ms\s+single-loop plaintext c=1 p=1\s+[\d.]+ ms\s+FAIL/);
    expect(stdout).toMatch(/1 of 2 thresholds failed/);
    const results = readResults(lastRun());
    expect(results.objectives?.map((o) => [o.expression, o.pass, o.checks.length])).toEqual([
      ['*:errors==0', true, 2],
      ['plaintext:p99<0.001ms', false, 1],
    ]);
    for (const file of ['benchmark-bigger-is-better.json', 'benchmark-smaller-is-better.json', 'bencher.json', 'junit.xml'])
      expect(existsSync(join(lastRun(), file)), file).toBe(true);
    expect(readFileSync(join(lastRun(), 'junit.xml'), 'utf8')).toMatch(
      /<testcase name="plaintext:p99&lt;0.001ms" classname="thresholds" time="0">\n\s+<failure/,
    );
  }, 120_000);
});

describe('cbench bench: the CPU plan and worker counts', () => {
  it('runs a scaling curve on the CPUs it is given, records the plan, and says which counts it could not measure', async () => {
    const { code, stdout, stderr } = await cbench([
      'bench',
      '--profile',
      'scaling',
      '--variants',
      'single-loop,cluster',
      '--workloads',
      'plaintext',
      '--connections',
      '4',
      '--duration',
      '0.3',
      '--warmup',
      '0',
      '--repetitions',
      '1',
      '--workers',
      '2,1',
      '--server-cpus',
      '1',
      '--loadgen-cpus',
      '1',
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^CPU plan: server (1 CPU|any of \d+ CPUs), generator (1 CPU|any) \(1 thread\), (pinned|not pinned); .*as asked/m);
    expect(stdout).toMatch(/^not measurable here: 2 workers: the server has 1 CPU/m);
    const results = readResults(lastRun());
    expect(results.settings).toMatchObject({ profile: 'scaling', workers: [1, 2], scaling: true });
    expect(results.environment.cpuPlan).toMatchObject({ server: 1, loadgen: 1, rule: 'explicit' });
    const names = results.variants.flatMap((v) => cellsOf(v).map((c) => `${v.name} ${c.workers}`));
    expect(names).toEqual(['single-loop null', 'cluster 1']);
    const md = readFileSync(join(lastRun(), 'report.md'), 'utf8');
    expect(md).toMatch(/- CPU plan \(explicit\): as asked/);
    expect(md).toMatch(/## Scaling with workers/);
    expect(md).toMatch(/Scaling: not measured here: 2 workers/);
    expect(md).toMatch(/^\| plaintext \| cluster \| 1 \| [\d,]+\*? \| [\d,]+ \| 100% \|/m);
  });

  it('runs the generator in the threads the plan gives it, and records them', async () => {
    const { code, stderr } = await cbench([
      'bench',
      '--profile',
      'smoke',
      '--variants',
      'single-loop',
      '--workloads',
      'plaintext',
      '--connections',
      '4',
      '--no-pin',
      '--loadgen-cpus',
      '2',
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(0);
    const results = readResults(lastRun());
    expect(results.environment.cpuPlan).toMatchObject({ loadgen: 2, pinned: false, rule: 'explicit' });
    const cell = cellsOf(results.variants[0]!)[0];
    if (cell?.status !== 'ok') throw new Error(`not measured: ${JSON.stringify(cell)}`);
    expect(cell.repetitions.map((r) => r.loadgenThreads)).toEqual([2]);
    expect(cell.repetitions[0]!.requests).toBeGreaterThan(0);
  });

  it('refuses a split that does not fit, a count given twice, and a curve where one count is meant, each with one line', async () => {
    for (const [args, message] of [
      [['--server-cpus', '4096'], /^error: --server-cpus 4096: this machine has \d+ CPUs?$/],
      [['--workers', '1,1'], /the count 1 is listed twice/],
      [['--profile', 'resilience', '--workers', '1,2'], /^error: --profile resilience takes one --workers count/],
      [['--target', 'http://127.0.0.1:9', '--server-cpus', '1'], /^error: --server-cpus is for the variants the suite starts/],
    ] as const) {
      const { code, stderr } = await cbench(['bench', ...args, '--out', out]);
      expect(code, stderr).toBe(2);
      expect(stderr.split('\n')[0]).toMatch(message);
    }
  });
});
