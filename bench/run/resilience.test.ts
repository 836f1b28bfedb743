import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CBENCH } from '../../shared/built.js';
import { isGone, processTree } from '../lib/processes.js';
import { builtinLoadgen } from '../loadgen/builtin.js';
import { DEFAULT_RESILIENCE, profiles } from '../plan/scenarios.js';
import { writeReport } from '../report/write.js';
import type { VariantResult } from '../results/results.js';
import { readResults } from '../results/store.js';
import { runBenchmark } from './runner.js';

const out = mkdtempSync(join(tmpdir(), 'cbench-resilience-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Short timeouts on the servers (cbench serve's hidden flags), so a held connection is let go in half a second. */
const TIMEOUT_MS = 500;

function scenarios(v: VariantResult | undefined) {
  if (v?.status !== 'ok' || v.resilience === null || v.resilience === undefined) throw new Error(`not measured: ${JSON.stringify(v)}`);
  const { idleFlood, pipelineFlood, killedWorker } = v.resilience;
  if (idleFlood?.status !== 'measured') throw new Error(`idle flood: ${JSON.stringify(idleFlood)}`);
  if (pipelineFlood?.status !== 'measured') throw new Error(`pipelining flood: ${JSON.stringify(pipelineFlood)}`);
  return { idleFlood, pipelineFlood, killedWorker };
}

describe('cbench bench --profile resilience (smoke-sized, real servers)', () => {
  it('single-loop keeps serving while connections are held; blocking makes ordinary requests wait out the held connections', async () => {
    const lines: string[] = [];
    const { results, dir } = await runBenchmark({
      settings: {
        ...profiles.resilience,
        variants: ['single-loop', 'blocking'],
        targets: null,
        resilience: {
          ...DEFAULT_RESILIENCE,
          idleConnections: 2,
          slowlorisConnections: 2,
          slowlorisIntervalMs: 100,
          ordinaryRps: 10,
          windowSec: 2.5,
          // Long enough for blocking to reach them after the held connections: the test is of waiting, not of giving up.
          requestTimeoutMs: 4_000,
          pipelinedRequests: 2_000,
          headersTimeoutMs: TIMEOUT_MS,
          keepAliveTimeoutMs: TIMEOUT_MS,
        },
      },
      profile: 'resilience',
      loadgen: builtinLoadgen,
      pin: true,
      outDir: out,
      log: (line) => lines.push(line),
    });
    expect(lines[0]).toMatch(/^plan: 2 variants × 3 resilience scenarios/);
    expect(lines.filter((l) => /^\[\d\/6, ETA/.test(l))).toHaveLength(6);

    const loop = scenarios(results.variants[0]);
    const blocking = scenarios(results.variants[1]);
    // single-loop: every ordinary request answered at once, every held connection let go at its timeout.
    expect(loop.idleFlood.ordinary).toMatchObject({ sent: 25, ok: 25, successRate: 1 });
    expect(loop.idleFlood.ordinary.latencyMs?.p99).toBeLessThan(TIMEOUT_MS);
    expect(loop.idleFlood.slowloris).toMatchObject({ opened: 2, answered408: 2, neverAnswered: 0 });
    expect(loop.idleFlood.idle).toMatchObject({ opened: 2, closedByServer: 2 });
    // blocking: one connection at a time; the ordinary requests waited behind the held ones, each held for its timeout.
    expect(blocking.idleFlood.ordinary.latencyMs?.p99).toBeGreaterThan(2 * TIMEOUT_MS);
    expect(blocking.idleFlood.idle.closedAfterMs?.max).toBeGreaterThan(loop.idleFlood.idle.closedAfterMs?.max ?? Number.POSITIVE_INFINITY);
    // The pipelining flood: served in full by the event loop; blocking answers one request and closes.
    expect(loop.pipelineFlood).toMatchObject({ outcome: 'served', responses: 2_000 });
    expect(loop.pipelineFlood.peakRssBytes).toBeGreaterThanOrEqual(loop.pipelineFlood.idleRssBytes);
    expect(blocking.pipelineFlood).toMatchObject({ outcome: 'closed' });
    expect(blocking.pipelineFlood.responses).toBeLessThanOrEqual(1);
    // Neither has worker processes.
    for (const v of [loop, blocking]) expect(v.killedWorker).toMatchObject({ status: 'not-applicable' });

    // Saved, and reported.
    const onDisk = readResults(dir);
    expect(onDisk.status).toBe('complete');
    expect(onDisk.settings.resilience).toMatchObject({ idleConnections: 2, headersTimeoutMs: TIMEOUT_MS });
    await writeReport(dir);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toMatch(/## Resilience/);
    expect(md).toMatch(/single-loop kept serving/);
    expect(md).toMatch(/blocking kept answering, but late/);
    expect(md).toMatch(/blocking's slowdown is its model's nature, not a bug: it serves one connection at a time/);
  }, 40_000);

  it('on Ctrl-C stops the clients and every server, keeps the scenarios that finished marked incomplete, and exits 130', async () => {
    const runOut = join(out, 'interrupted');
    const child = spawn(
      process.execPath,
      [
        CBENCH,
        'bench',
        '--profile',
        'resilience',
        '--variants',
        'single-loop,blocking',
        '--idle-connections',
        '2',
        '--slowloris-connections',
        '1',
        '--attack-window',
        '1',
        '--pipelined-requests',
        '100000',
        '--headers-timeout',
        String(TIMEOUT_MS),
        '--keep-alive-timeout',
        String(TIMEOUT_MS),
        '--out',
        runOut,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let tree: number[] = [];
    try {
      // Interrupt during the pipelining flood, once the idle flood has been saved.
      const cmdline = (pid: number) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        } catch {
          return '';
        }
      };
      // A deadline, not a count: on a machine busy with the rest of the suite, reaching the flood takes longer than alone.
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !(/single-loop idle flood/.test(text) && tree.some((pid) => cmdline(pid).includes('attack.child')))) {
        await new Promise((r) => setTimeout(r, 25));
        tree = processTree(child.pid as number);
      }
      expect(tree.some((pid) => cmdline(pid).includes('attack.child'))).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      // Until every process of the run is gone (a busy machine reaps them late), up to 5 s.
      await expect.poll(() => tree.filter((pid) => !isGone(pid)), { timeout: 5_000, interval: 25 }).toEqual([]);
      const partial = readResults(join(runOut, 'latest'));
      expect(partial.status).toBe('incomplete');
      const loop = partial.variants[0];
      if (loop?.status !== 'ok') throw new Error(`single-loop: ${JSON.stringify(loop)}`);
      expect(loop.resilience?.idleFlood?.status).toBe('measured');
      expect(loop.resilience?.killedWorker).toBeNull();
      expect(partial.variants[1]).toEqual({ name: 'blocking', model: 'blocking', status: 'not-run' });
    } finally {
      // On a failed assertion the run is still going: its processes are stopped by their pids
      // (SIGKILL on the parent alone would leave its servers running).
      if (child.exitCode === null) child.kill('SIGKILL');
      for (const pid of tree) {
        try {
          if (!isGone(pid)) process.kill(pid, 'SIGKILL');
        } catch {
          // gone in between: nothing to stop
        }
      }
    }
  }, 90_000);
});
