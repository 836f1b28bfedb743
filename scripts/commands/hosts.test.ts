import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '../../bench/lib/processes.js';
import { cellsOf } from '../../bench/results/results.js';
import { readResults } from '../../bench/results/store.js';
import { agentsIn, hostsUnavailable, makeHosts, remoteServersIn, type TestHost, type TestHosts, until, watchersIn } from '../../bench/test-support/hosts.js';
import { CBENCH } from '../../shared/built.js';
import { runCbench } from '../test-support/cbench-process.js';

const why = hostsUnavailable();

/** One repetition of one window of plaintext at 8 connections, no warm-up: a run long enough to act on. */
const oneWindow = (seconds: string) => ['--workloads', 'plaintext', '--connections', '8', '--duration', seconds, '--warmup', '0', '--repetitions', '1'];

describe.skipIf(why !== null)(`cbench over load hosts${why === null ? '' : ` (skipped: ${why})`}`, () => {
  const out = mkdtempSync(join(tmpdir(), 'cbench-hosts-cli-'));
  let h: TestHosts;
  let server: ServerProcess;
  let a: TestHost;
  let b: TestHost;
  let serverHost: TestHost;
  let url: string;
  beforeAll(async () => {
    h = await makeHosts(['server', 'a', 'b']);
    const [s, ha, hb] = h.hosts as [TestHost, TestHost, TestHost];
    a = ha;
    b = hb;
    serverHost = s;
    server = await startServer('single-loop', {
      argv: ['ip', 'netns', 'exec', s.netns, process.execPath, CBENCH, 'serve', '--variant', 'single-loop', '--port', '0', '--host', s.address],
    });
    url = `http://${s.address}:${server.port}`;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await h?.remove();
    rmSync(out, { recursive: true, force: true });
  });

  it('cbench load --hosts: one segment per host, merged, each host’s part shown', async () => {
    const { code, stdout, stderr } = await runCbench(['load', `${url}/plaintext`, '--hosts', `${a.ssh.text},${b.ssh.text}`, '-c', '8', '-n', '1000', '--json'])
      .closed;
    expect(code, stderr).toBe(0);
    const json = JSON.parse(stdout) as { requests: number; hosts: Array<{ host: string; requests: number; connections: number }> };
    expect(json.requests).toBe(1_000);
    expect(json.hosts.map((x) => [x.host, x.connections, x.requests])).toEqual([
      [a.ssh.text, 4, 500],
      [b.ssh.text, 4, 500],
    ]);
  }, 60_000);

  it('cbench bench --target --loadgen-hosts: measured from both hosts, each host’s part in results.json', async () => {
    const { code, stderr, stdout } = await runCbench([
      'bench',
      '--profile',
      'smoke',
      '--target',
      `ns=${url}`,
      '--workloads',
      'plaintext,json',
      '--connections',
      '8',
      '--loadgen-hosts',
      `${a.ssh.text},${b.ssh.text}`,
      '--out',
      out,
    ]).closed;
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    const results = readResults(join(out, 'latest'));
    expect(results.settings.loadgenHosts?.hosts).toEqual([a.ssh.text, b.ssh.text]);
    const cells = cellsOf(results.variants[0]!);
    expect(cells.map((c) => c.workload)).toEqual(['plaintext', 'json']);
    for (const c of cells) {
      if (c.status !== 'ok') throw new Error(`not measured: ${JSON.stringify(c)}`);
      const r = c.repetitions[0]!;
      expect(r.loadgenHosts?.map((x) => x.host)).toEqual([a.ssh.text, b.ssh.text]);
      expect(r.loadgenHosts?.reduce((n, x) => n + x.requests, 0)).toBe(r.requests);
      expect(r.requests).toBeGreaterThan(0);
    }
    // Each host's round trip to the server, measured before the load, and what the report makes of it.
    const v = results.variants[0];
    if (v?.status !== 'ok') throw new Error('the target is measured');
    expect(v.network?.map((x) => [x.host, x.requests])).toEqual([
      [a.ssh.text, 50],
      [b.ssh.text, 50],
    ]);
    for (const x of v.network ?? []) expect(x.p50Ms).toBeGreaterThan(0);
    expect(stdout).toMatch(/^ns: round trip from ssh:\/\/root@[\d.]+ [\d.]+ ms \(p50 of 50\), from ssh:/m);
    const md = readFileSync(join(out, 'latest', 'report.md'), 'utf8');
    expect(md).toMatch(/- load from 2 hosts \(ssh:/);
    expect(md).toMatch(/ns: the load hosts' round trip to it was [\d.]+ ms \(p50; .*\), so 8 connections in a closed loop carry at most [\d,]+ req\/s/);
    expect(md).toMatch(/## Load hosts/);
    expect(await until(() => agentsIn(h, a).length + agentsIn(h, b).length === 0, 5_000)).toBe(true);
  }, 90_000);

  it('refuses, before measuring, a load host that does not answer, naming it; and a run without a server they can reach', async () => {
    const nowhere = `ssh://root@${h.gateway.replace(/\.254$/, '.77')}`;
    const refused = await runCbench(['bench', '--profile', 'smoke', '--target', url, '--loadgen-hosts', nowhere, '--out', out]).closed;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`load hosts refused: ${nowhere.replace(/\./g, '\\.')}`));
    const usage = await runCbench(['bench', '--profile', 'smoke', '--loadgen-hosts', a.ssh.text, '--out', out]).closed;
    expect(usage.code).toBe(2);
    expect(usage.stderr.split('\n')[0]).toMatch(
      /^error: --loadgen-hosts drives load at a server those hosts can reach: serve the variants on a host with --server-host, or give one with --target URL/,
    );
  }, 60_000);

  it('on Ctrl-C during a run from load hosts, leaves no agent running on any host', async () => {
    const run = runCbench(['bench', '--target', url, ...oneWindow('8'), '--loadgen-hosts', `${a.ssh.text},${b.ssh.text}`, '--out', out]);
    expect(await until(() => agentsIn(h, a).length > 0 && agentsIn(h, b).length > 0, 20_000), run.err()).toBe(true);
    run.child.kill('SIGINT');
    const { code } = await run.closed;
    expect(code).toBe(130);
    expect(await until(() => agentsIn(h, a).length + agentsIn(h, b).length === 0, 5_000)).toBe(true);
  }, 60_000);

  it('cbench bench --server-host --loadgen-hosts: variants served on one host, measured from two, nothing left running', async () => {
    const { code, stdout, stderr } = await runCbench([
      'bench',
      '--profile',
      'smoke',
      '--variants',
      'single-loop,cluster',
      '--workloads',
      'plaintext,json',
      '--connections',
      '8',
      '--workers',
      '2',
      '--server-host',
      serverHost.ssh.text,
      '--loadgen-hosts',
      `${a.ssh.text},${b.ssh.text}`,
      '--out',
      out,
    ]).closed;
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toMatch(/^CPU plan: .*the server runs on ssh:\/\/root@[\d.]+, on its own CPUs; the generator runs \d+ threads? here/m);
    const results = readResults(join(out, 'latest'));
    expect(results.settings.serverHost).toEqual({ host: serverHost.ssh.text, remoteDir: expect.any(String) });
    expect(results.variants.map((v) => [v.name, v.status])).toEqual([
      ['single-loop', 'ok'],
      ['cluster', 'ok'],
    ]);
    const cluster = results.variants[1];
    if (cluster?.status !== 'ok') throw new Error('cluster is measured');
    expect(cluster.info.workers).toBe(2);
    for (const c of cellsOf(cluster)) {
      if (c.status !== 'ok') throw new Error(`not measured: ${JSON.stringify(c)}`);
      expect(c.repetitions[0]?.loadgenHosts?.map((x) => x.host)).toEqual([a.ssh.text, b.ssh.text]);
      // Its CPU and memory, read on its host from its /proc.
      expect(c.summary.serverCpuUsPerRequest?.median).toBeGreaterThan(0);
      expect(c.summary.serverPeakRssBytes?.median).toBeGreaterThan(10 * 1024 * 1024);
    }
    expect(cluster.network?.length).toBe(2);
    expect(
      await until(() => remoteServersIn(h, serverHost).length + agentsIn(h, a).length + agentsIn(h, b).length + watchersIn(h, serverHost).length === 0, 5_000),
    ).toBe(true);
  }, 120_000);

  it('on Ctrl-C during a run on a server host, leaves neither server nor agent running there', async () => {
    const run = runCbench([
      'bench',
      '--variants',
      'single-loop',
      ...oneWindow('8'),
      '--server-host',
      serverHost.ssh.text,
      '--loadgen-hosts',
      a.ssh.text,
      '--out',
      out,
    ]);
    expect(await until(() => remoteServersIn(h, serverHost).length > 0 && agentsIn(h, a).length > 0, 30_000), run.err()).toBe(true);
    run.child.kill('SIGINT');
    expect((await run.closed).code).toBe(130);
    expect(await until(() => remoteServersIn(h, serverHost).length + watchersIn(h, serverHost).length + agentsIn(h, a).length === 0, 5_000)).toBe(true);
  }, 60_000);

  it('refuses a server host that does not answer, naming it', async () => {
    const nowhere = `ssh://root@${h.gateway.replace(/\.254$/, '.78')}`;
    const { code, stderr } = await runCbench(['bench', '--profile', 'smoke', '--variants', 'single-loop', '--server-host', nowhere, '--out', out]).closed;
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`the server host refused: ${nowhere.replace(/\./g, '\\.')}`));
  }, 30_000);

  it('notices a server that dies on its host mid-run: the variant fails with the reason, and nothing is left there', async () => {
    const run = runCbench(['bench', '--variants', 'single-loop', ...oneWindow('6'), '--server-host', serverHost.ssh.text, '--out', out]);
    expect(await until(() => remoteServersIn(h, serverHost).length > 0 && watchersIn(h, serverHost).length > 0, 30_000), run.err()).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    for (const pid of remoteServersIn(h, serverHost)) process.kill(pid, 'SIGKILL');
    const { code } = await run.closed;
    expect(code).toBe(1);
    const v = readResults(join(out, 'latest')).variants[0];
    expect(v?.status).toBe('failed');
    expect(v?.status === 'failed' ? v.reason : '').toMatch(/exited|crashed|stopped answering/);
    expect(await until(() => remoteServersIn(h, serverHost).length + watchersIn(h, serverHost).length === 0, 10_000)).toBe(true);
  }, 60_000);

  it('fails the cell of a load host killed mid-run, naming the host, and leaves no agent running', async () => {
    const run = runCbench(['bench', '--target', `ns=${url}`, ...oneWindow('6'), '--loadgen-hosts', `${a.ssh.text},${b.ssh.text}`, '--out', out]);
    // The round trip is measured first, by short agents: wait for the run's own (a 6 s window).
    expect(await until(() => agentsIn(h, a).length > 0 && agentsIn(h, b).length > 0 && run.out().includes('round trip'), 30_000), run.err()).toBe(true);
    await new Promise((r) => setTimeout(r, 2_000));
    for (const pid of agentsIn(h, b)) process.kill(pid, 'SIGKILL');
    const { code } = await run.closed;
    expect(code).toBe(1);
    const v = readResults(join(out, 'latest')).variants[0];
    expect(v?.status).toBe('failed');
    expect(v?.status === 'failed' ? v.reason : '').toMatch(
      new RegExp(`load host ${b.ssh.text.replace(/\./g, '\\.')} (failed mid-run|stopped before it was ready)`),
    );
    expect(await until(() => agentsIn(h, a).length + agentsIn(h, b).length === 0, 10_000)).toBe(true);
  }, 60_000);
});
