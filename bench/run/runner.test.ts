import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CBENCH } from '../../shared/built.js';
import { analyseSweep } from '../analysis/capacity.js';
import { isGone, processTree } from '../lib/processes.js';
import { builtinLoadgen } from '../loadgen/builtin.js';
import { profiles } from '../plan/scenarios.js';
import { cellsOf } from '../results/results.js';
import { readResults } from '../results/store.js';
import { SWEEP_UNDER_WAY } from './measure.js';
import { runBenchmark } from './runner.js';

const out = mkdtempSync(join(tmpdir(), 'cbench-results-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const fixture = (name: string) => join(import.meta.dirname, '..', 'test-support', name);

describe('cbench bench (smoke profile, real servers on loopback)', () => {
  it('refuses a server that answers wrongly, reports one that crashes mid-run, and measures the rest', async () => {
    const { results, dir } = await runBenchmark({
      settings: { ...profiles.smoke, workloads: ['plaintext', 'echo'], variants: ['broken', 'crashing', 'single-loop'], targets: null },
      profile: 'smoke',
      loadgen: builtinLoadgen,
      pin: true,
      outDir: out,
      serverArgv: (v) =>
        v === 'broken' ? [process.execPath, fixture('broken-server.mjs')] : v === 'crashing' ? [process.execPath, fixture('crashing-server.mjs')] : undefined,
      log: () => {},
    });

    // What was written validates against the schema, and `latest` points at it.
    const onDisk = readResults(dir);
    expect(onDisk.status).toBe('complete');
    expect(readlinkSync(join(out, 'latest'))).toBe(dir.split('/').pop());
    const [broken, crashing, singleLoop] = results.variants;

    expect(broken).toMatchObject({ name: 'broken', status: 'refused' });
    if (broken?.status !== 'refused') throw new Error('broken was not refused');
    expect(broken.verification.failures.join('\n')).toMatch(/GET \/plaintext: body "Hello, World\?"/);

    expect(crashing).toMatchObject({ name: 'crashing', status: 'failed' });
    if (crashing?.status !== 'failed') throw new Error('crashing did not fail');
    expect(crashing.reason).toMatch(/exited|crashed|stopped answering|failed/);
    expect(crashing.output.join('\n')).toMatch(/crashing on purpose/);

    expect(singleLoop).toMatchObject({ name: 'single-loop', status: 'ok' });
    if (singleLoop?.status !== 'ok') throw new Error('single-loop was not measured');
    expect(singleLoop.cells.map((c) => [c.workload, c.status])).toEqual([
      ['plaintext', 'ok'],
      ['echo', 'ok'],
    ]);
    for (const cell of singleLoop.cells) {
      if (cell.status !== 'ok') throw new Error(`${cell.workload} failed: ${cell.reason}`);
      expect(cell.summary.errors).toBe(0);
      expect(cell.summary.requestsPerSec.median).toBeGreaterThan(0);
      const rep = cell.repetitions[0];
      expect(rep?.serverCpuUsPerRequest).toBeGreaterThan(0);
      expect(rep?.serverPeakRssBytes).toBeGreaterThan(1024 * 1024);
      expect(rep?.latencyMs.p99).toBeGreaterThanOrEqual(rep?.latencyMs.p50 ?? 0);
      // What the builtin generator adds: per-connection service, first answers measured apart
      // from the window, and how busy the server was.
      expect(rep?.fairness?.jain).toBe(1); // one connection in the smoke profile
      expect(rep?.fairness?.min).toBe(rep?.requests);
      expect(rep?.firstResponseMs?.max).toBeGreaterThan(0);
      expect(rep?.serverCpuShare).toBeGreaterThan(0);
      expect(cell.summary.fairnessJain?.median).toBe(1);
      expect(cell.summary.firstResponseMaxMs?.median).toBeGreaterThan(0);
      expect(cell.bottleneck).not.toBeNull();
    }
  }, 60_000);

  it('runs a capacity sweep: a closed-loop maximum, then each offered rate open loop, with the capacity at the objective', async () => {
    const lines: string[] = [];
    const rates = ['25%', '50%', '100%', '130%'];
    const { results } = await runBenchmark({
      settings: {
        ...profiles.smoke,
        workloads: ['plaintext'],
        variants: ['single-loop'],
        connections: [8],
        capacity: { rates, refine: 0, sloP99Ms: { plaintext: 50 }, arrivals: 'poisson' },
        targets: null,
      },
      profile: 'smoke',
      loadgen: builtinLoadgen,
      pin: true,
      outDir: out,
      log: (line) => lines.push(line),
    });
    expect(lines.join('\n')).toMatch(/4 offered rates \(25%, 50%, 100%, 130%; % of that maximum\), open loop, poisson arrivals/);
    expect(lines.join('\n')).toMatch(/objective: p99 at most plaintext 50 ms/);
    expect(lines.join('\n')).toMatch(/\[5\/5, ETA 0s\] single-loop plaintext c=8 p=1 130% = [\d,]+ req\/s offered: [\d,]+ achieved/);
    const cell = cellsOf(results.variants[0]!)[0];
    if (cell?.status !== 'ok') throw new Error(`not measured: ${JSON.stringify(cell)}`);
    const sweep = cell.sweep;
    if (sweep === null) throw new Error('no sweep');
    expect(sweep.sloP99Ms).toBe(50);
    expect(sweep.maxRps).toBe(cell.summary.requestsPerSec.median);
    expect(sweep.points.map((p) => p.rate)).toEqual(rates);
    expect(sweep.points.map((p) => p.offeredRps)).toEqual([0.25, 0.5, 1, 1.3].map((f) => f * sweep.maxRps));
    for (const p of sweep.points) {
      const rep = p.repetitions[0];
      expect(rep?.openLoop).toMatchObject({ offeredRps: p.offeredRps, arrivals: 'poisson' });
      expect(rep?.openLoop?.due).toBeGreaterThan(0);
      expect(p.summary.requestsPerSec.median).toBe(rep?.requestsPerSec);
    }
    // What is kept beside the points is what capacity.ts makes of them.
    expect({ capacityRps: cell.capacityRps, ...sweep }).toMatchObject(analyseSweep(sweep.points, 50));
    expect(sweep.capacityByRepetition).toHaveLength(1);
    // The closed-loop repetitions are the cell's own, as in any run.
    expect(cell.repetitions[0]?.openLoop).toBeNull();
    expect(readResults(join(out, 'latest')).variants[0]).toEqual(results.variants[0]);
  }, 60_000);

  it('on Ctrl-C stops the load and every server, keeps what finished marked incomplete, and exits non-zero', async () => {
    const runOut = join(out, 'interrupted');
    const child = spawn(process.execPath, [CBENCH, 'bench', '--profile', 'smoke', '--variants', 'cluster,single-loop', '--duration', '2', '--out', runOut], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 400 && !/plan:/.test(text); i++) await new Promise((r) => setTimeout(r, 25));
    // Interrupt once the load generator is running against the first variant.
    const cmdline = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    };
    let tree: number[] = [];
    for (let i = 0; i < 600 && !tree.some((pid) => cmdline(pid).includes('builtin.child')); i++) {
      await new Promise((r) => setTimeout(r, 25));
      tree = processTree(child.pid as number); // cbench, the cluster primary and its workers, the load generator
    }
    expect(tree.some((pid) => cmdline(pid).includes('builtin.child'))).toBe(true);
    expect(tree.some((pid) => cmdline(pid).includes('cluster.child'))).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(text).toMatch(/interrupted \(SIGINT\)/);
    // Until every process of the run is gone (a busy machine reaps them late), up to 5 s.
    await expect.poll(() => tree.filter((pid) => !isGone(pid)), { timeout: 5_000, interval: 25 }).toEqual([]);
    const partial = readResults(join(runOut, 'latest'));
    expect(partial.status).toBe('incomplete');
    expect(partial.variants.map((v) => v.name)).toEqual(['cluster', 'single-loop']);
  }, 60_000);

  it('on Ctrl-C in the middle of a capacity sweep keeps the rates measured so far', async () => {
    const runOut = join(out, 'interrupted-sweep');
    const rates = '25%,50%,75%,100%,110%,120%,130%';
    const child = spawn(
      process.execPath,
      [
        CBENCH,
        'bench',
        '--profile',
        'smoke',
        '--variants',
        'single-loop',
        '--workloads',
        'plaintext',
        '--connections',
        '4',
        '--duration',
        '0.5',
        '--rates',
        rates,
        '--refine',
        '0',
        '--out',
        runOut,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    for (let i = 0; i < 1200 && !/ 50% = /.test(text); i++) await new Promise((r) => setTimeout(r, 25));
    expect(text).toMatch(/ 50% = /);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const partial = readResults(join(runOut, 'latest'));
    expect(partial.status).toBe('incomplete');
    const cell = cellsOf(partial.variants[0]!)[0];
    if (cell?.status !== 'failed') throw new Error(`expected the cell under way, got ${JSON.stringify(cell)}`);
    expect(cell.reason).toBe(SWEEP_UNDER_WAY);
    expect(cell.repetitions).toHaveLength(1); // the closed loop's
    expect(cell.sweep?.points.map((p) => p.rate).slice(0, 2)).toEqual(['25%', '50%']);
    expect(cell.sweep?.points.length).toBeLessThan(7);
  }, 60_000);

  it('refuses to read a results file that does not match the schema', () => {
    const file = join(out, 'bad.json');
    writeFileSync(file, JSON.stringify({ schema: 'concurrency-bench/results', version: 1, runId: 'x', status: 'done' }));
    expect(() => readResults(file)).toThrow(/not a valid results file: status/);
  });
});
