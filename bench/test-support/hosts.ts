// Test hosts on one machine: Linux network namespaces on a bridge, addresses from RFC 2544's
// benchmarking range (198.18.0.0/15), each with an OpenSSH server of its own and a key made for
// the test. Traffic between them never leaves the machine. Made and removed by name and pid, also
// when a test fails; where they cannot be made (not root, no `ip`, no sshd) `hostsUnavailable`
// says why, for the tests to skip with.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isGone, spawnTracked } from '../lib/processes.js';
import { SSH_CONFIG_ENV, type SshHost } from '../lib/ssh.js';

const SSHD = '/usr/sbin/sshd';
const execFileAsync = promisify(execFile);

/** Why test hosts cannot be made here, or null when they can. */
export function hostsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'test hosts need root (network namespaces)';
  if (!existsSync(SSHD)) return `test hosts need an OpenSSH server (${SSHD}: Debian openssh-server)`;
  try {
    execFileSync('ssh', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'test hosts need the OpenSSH client';
  }
  // Root is not always allowed to make namespaces (a container without CAP_SYS_ADMIN): try one.
  const probe = `cbt-${process.pid}-probe`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  } catch {
    return 'test hosts need to make network namespaces (ip netns add), which this machine refused';
  }
  return null;
}

/** One test host: its namespace, address and ssh URL. */
export interface TestHost {
  name: string;
  netns: string;
  address: string;
  ssh: SshHost;
  /** The pid of its sshd. */
  sshdPid: number;
}

/** Test hosts, the ssh config that reaches them, and their removal. */
export interface TestHosts {
  hosts: TestHost[];
  /** The address the machine itself has on their network. */
  gateway: string;
  /** An ssh_config file for `CBENCH_SSH_CONFIG`. */
  sshConfig: string;
  /** Runs `argv` in a host's namespace (a process of its own, tracked). */
  exec(host: TestHost, argv: string[]): ReturnType<typeof spawnTracked>;
  /** Pids of the processes running in a host's namespace, sshd's included. */
  pidsIn(host: TestHost): number[];
  remove(): Promise<void>;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });

/** Makes one namespace per name on a fresh bridge, each with an sshd, and sets CBENCH_SSH_CONFIG to reach them. */
export async function makeHosts(names: readonly string[]): Promise<TestHosts> {
  const why = hostsUnavailable();
  if (why !== null) throw new Error(why);
  sweepStale();
  const tag = `${process.pid.toString(36).slice(-4)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const subnet = freeSubnet();
  const bridge = `cbt${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'cbench-hosts-'));
  const made: { netns: string[]; bridge: boolean } = { netns: [], bridge: false };
  const sshds: Array<ReturnType<typeof spawnTracked>> = [];
  const remove = async () => {
    for (const s of sshds) s.child.kill('SIGKILL');
    for (const ns of made.netns) removeNamespace(ns);
    if (made.bridge) {
      try {
        ip('link', 'del', bridge);
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
    delete process.env[SSH_CONFIG_ENV];
  };
  try {
    // sshd's privilege separation directory, as Debian's service makes it at boot.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host')]);
    writeFileSync(join(dir, 'authorized_keys'), execFileSync('cat', [join(dir, 'client.pub')]));
    ip('link', 'add', bridge, 'type', 'bridge');
    made.bridge = true;
    ip('addr', 'add', `${subnet}.254/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    const hosts: TestHost[] = [];
    for (const [i, name] of names.entries()) {
      const netns = `cbt-${process.pid}-${tag}-${name}`;
      const address = `${subnet}.${i + 1}`;
      ip('netns', 'add', netns);
      made.netns.push(netns);
      const outside = `cb${tag}${i}a`;
      const inside = `cb${tag}${i}b`;
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      ip('link', 'set', inside, 'netns', netns);
      ip('link', 'set', outside, 'master', bridge);
      ip('link', 'set', outside, 'up');
      ip('netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up');
      ip('netns', 'exec', netns, 'ip', 'addr', 'add', `${address}/24`, 'dev', inside);
      ip('netns', 'exec', netns, 'ip', 'link', 'set', inside, 'up');
      const config = join(dir, `sshd-${name}`);
      writeFileSync(
        config,
        [
          `ListenAddress ${address}`,
          'Port 22',
          `HostKey ${join(dir, 'host')}`,
          `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
          'PermitRootLogin prohibit-password',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'StrictModes no',
          `PidFile ${join(dir, `sshd-${name}.pid`)}`,
          'LogLevel ERROR',
          // The agents' environment: the same Node.js as the tests, and a home of their own, so that
          // no shell start-up file of this machine's user runs (bash reads ~/.bashrc under sshd; one
          // here runs `pyenv rehash`, which takes a lock that concurrent sessions wait on).
          `SetEnv HOME=${dir} PATH=${process.execPath.replace(/\/node$/, '')}:/usr/local/bin:/usr/bin:/bin`,
          '',
        ].join('\n'),
      );
      const sshd = spawnTracked(['ip', 'netns', 'exec', netns, SSHD, '-D', '-e', '-f', config]);
      sshds.push(sshd);
      hosts.push({ name, netns, address, ssh: { user: 'root', host: address, port: null, text: `ssh://root@${address}` }, sshdPid: sshd.child.pid ?? -1 });
    }
    const sshConfig = join(dir, 'ssh_config');
    writeFileSync(
      sshConfig,
      [
        'Host *',
        `  IdentityFile ${join(dir, 'client')}`,
        '  IdentitiesOnly yes',
        '  UserKnownHostsFile /dev/null',
        '  StrictHostKeyChecking no',
        '  LogLevel ERROR',
        '',
      ].join('\n'),
    );
    process.env[SSH_CONFIG_ENV] = sshConfig;
    await Promise.all(hosts.map((h, i) => waitForSsh(h, sshConfig, () => sshds[i]?.output() ?? '')));
    return {
      hosts,
      gateway: `${subnet}.254`,
      sshConfig,
      exec: (host, argv) => spawnTracked(['ip', 'netns', 'exec', host.netns, ...argv]),
      pidsIn: (host) => pidsOf(host.netns),
      remove,
    };
  } catch (e) {
    await remove();
    throw e;
  }
}

/** A /24 of 198.18.0.0/15 that no route here uses yet (test files make their hosts side by side). */
function freeSubnet(): string {
  for (let tries = 0; tries < 50; tries++) {
    const n = 1 + Math.floor(Math.random() * 500);
    const subnet = `198.${18 + Math.floor(n / 256)}.${n % 256}`;
    if (ip('route', 'show', `${subnet}.0/24`).toString().trim() === '') return subnet;
  }
  throw new Error('no free /24 in 198.18.0.0/15 for test hosts');
}

/** Removes the namespaces (and what runs in them) of test processes that are gone: a run killed before it could remove its own. */
function sweepStale(): void {
  const names = ip('netns', 'list')
    .toString()
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '');
  for (const ns of names) {
    const owner = /^cbt-(\d+)-/.exec(ns)?.[1];
    if (owner !== undefined && isGone(Number(owner))) removeNamespace(ns);
  }
}

/** Stops whatever still runs in a namespace (a test's server, an agent), by its pid, then removes it. */
function removeNamespace(ns: string): void {
  for (const pid of pidsOf(ns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  try {
    ip('netns', 'del', ns);
  } catch {}
}

/** The pids of the processes in a namespace. */
function pidsOf(netns: string): number[] {
  try {
    return ip('netns', 'pids', netns)
      .toString()
      .split('\n')
      .filter((x) => x.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** Waits until a host's sshd takes a command (up to 30 s). */
async function waitForSsh(h: TestHost, config: string, said: () => string): Promise<void> {
  // Generous: on a busy 2-core machine (the other test files run beside these) sshd can be slow to start.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await execFileAsync('ssh', ['-F', config, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=2', `root@${h.address}`, 'true'], { timeout: 10_000 });
      return;
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(
          `test host ${h.name} (${h.address}) did not answer ssh: ${e instanceof Error ? e.message : e} ${String((e as { stderr?: unknown }).stderr ?? '').trim()}; its sshd said: ${said().trim() || 'nothing'}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The pids in a host's namespace whose command line passes `test`. */
function commandsIn(h: TestHosts, host: TestHost, test: (argv: string[]) => boolean): number[] {
  return h.pidsIn(host).filter((pid) => {
    try {
      return test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
    } catch {
      return false;
    }
  });
}

/** The load agents (builtin runners started by hosts.ts) running in a host's namespace: their pids. */
export function agentsIn(h: TestHosts, host: TestHost): number[] {
  return commandsIn(h, host, (argv) => argv.some((a) => a.endsWith('builtin.child.js')));
}

/** The watchers of a server's CPU and memory (server-watch.child.ts) running in a host's namespace: their pids. */
export function watchersIn(h: TestHosts, host: TestHost): number[] {
  return commandsIn(h, host, (argv) => argv.some((a) => a.endsWith('server-watch.child.js')));
}

/** The servers `--server-host` started in a host's namespace (`cbench serve ... --host 0.0.0.0`): their pids. */
export function remoteServersIn(h: TestHosts, host: TestHost): number[] {
  return commandsIn(h, host, (argv) => argv.some((a) => a.endsWith('cbench.js')) && argv.includes('serve') && argv.includes('0.0.0.0'));
}

/** Waits up to `ms` for `check` to hold; whether it did. */
export async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
