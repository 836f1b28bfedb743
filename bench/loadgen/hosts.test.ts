import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CBENCH, PROJECT_ROOT } from '../../shared/built.js';
import { type ServerProcess, startServer } from '../lib/processes.js';
import { agentsIn, hostsUnavailable, makeHosts, type TestHost, type TestHosts, until } from '../test-support/hosts.js';
import { checkHosts, runOnHosts } from './hosts.js';

const why = hostsUnavailable();

describe.skipIf(why !== null)(`load from several hosts${why === null ? '' : ` (skipped: ${why})`}`, () => {
  let h: TestHosts;
  let server: ServerProcess;
  let a: TestHost;
  let b: TestHost;
  let origin: { host: string; port: number };
  beforeAll(async () => {
    h = await makeHosts(['server', 'a', 'b']);
    const [s, ha, hb] = h.hosts as [TestHost, TestHost, TestHost];
    a = ha;
    b = hb;
    server = await startServer('single-loop', {
      argv: ['ip', 'netns', 'exec', s.netns, process.execPath, CBENCH, 'serve', '--variant', 'single-loop', '--port', '0', '--host', s.address],
    });
    origin = { host: s.address, port: server.port };
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await h?.remove();
  });

  const run = (extra: Record<string, unknown>) => ({
    ...origin,
    path: '/plaintext',
    method: 'GET',
    headers: [],
    connections: 8,
    pipelining: 1,
    timeoutSec: 5,
    ...extra,
  });

  it('checks the hosts first: the same version, built, and answering', async () => {
    await checkHosts({ hosts: [a.ssh, b.ssh], remoteDir: PROJECT_ROOT });
  });

  it('runs one segment per host, started together, and merges them exactly: every request counted once, each host its share', async () => {
    const { report, perHost } = await runOnHosts(run({ requests: 2_000 }), { hosts: [a.ssh, b.ssh], remoteDir: PROJECT_ROOT });
    expect(report.requests).toBe(2_000);
    expect(report.errors + report.timeouts + report.non2xx).toBe(0);
    expect(report.perConnection).toHaveLength(8);
    expect(perHost.map((x) => [x.host, x.segment, x.connections, x.requests])).toEqual([
      [a.ssh.text, '0/1:1/2', 4, 1_000],
      [b.ssh.text, '1/2:1/1', 4, 1_000],
    ]);
    // Nothing is left running on either host.
    expect(await until(() => agentsIn(h, a).length + agentsIn(h, b).length === 0, 5_000)).toBe(true);
  }, 60_000);

  it('names a load host that dies mid-run, and stops the agents of the others', async () => {
    const running = runOnHosts(run({ durationSec: 6 }), { hosts: [a.ssh, b.ssh], remoteDir: PROJECT_ROOT });
    // Killed once it runs: mid-run, or, on a slow machine, before it said it was ready.
    const failed = expect(running).rejects.toThrow(new RegExp(`load host ${b.ssh.text.replace(/\./g, '\\.')} (failed mid-run|stopped before it was ready)`));
    expect(await until(() => agentsIn(h, b).length > 0 && agentsIn(h, a).length > 0, 20_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_500));
    for (const pid of agentsIn(h, b)) process.kill(pid, 'SIGKILL');
    await failed;
    expect(await until(() => agentsIn(h, a).length + agentsIn(h, b).length === 0, 5_000)).toBe(true);
  }, 60_000);

  it('refuses a host whose checkout is another version, and one that does not answer, naming each', async () => {
    const other = mkdtempSync(join(tmpdir(), 'cbench-other-version-'));
    try {
      const git = (...args: string[]) => execFileSync('git', ['-C', other, ...args], { stdio: 'ignore' });
      git('init', '-q');
      git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'another version');
      // Built: every file a run uses there is present, so only the version differs.
      for (const f of ['dist/bench/loadgen/builtin.child.js', 'dist/scripts/cbench.js', 'dist/bench/lib/server-watch.child.js']) {
        mkdirSync(join(other, dirname(f)), { recursive: true });
        writeFileSync(join(other, f), '');
      }
      await expect(checkHosts({ hosts: [a.ssh], remoteDir: other })).rejects.toThrow(new RegExp(`${a.ssh.text.replace(/\./g, '\\.')} runs another version`));
      // Without its build, or outside a git checkout, it is refused too, and says why.
      rmSync(join(other, 'dist', 'scripts', 'cbench.js'));
      await expect(checkHosts({ hosts: [a.ssh], remoteDir: other })).rejects.toThrow(/no built cbench in/);
      writeFileSync(join(other, 'dist', 'scripts', 'cbench.js'), '');
      rmSync(join(other, '.git'), { recursive: true, force: true });
      await expect(checkHosts({ hosts: [a.ssh], remoteDir: other })).rejects.toThrow(/is not a git checkout there/);
      const nowhere = { ...a.ssh, host: h.gateway.replace(/\.254$/, '.77'), text: 'ssh://root@nowhere' };
      await expect(checkHosts({ hosts: [nowhere], remoteDir: PROJECT_ROOT })).rejects.toThrow(/load hosts refused: ssh:\/\/root@nowhere: sh failed/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  }, 30_000);
});
