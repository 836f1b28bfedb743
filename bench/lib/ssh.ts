// Another host, reached with OpenSSH's own client: the user's ssh config, keys and agent, never a
// password prompt in the middle of a run (BatchMode), a bounded wait to connect, and each
// argument of the remote command quoted for the remote shell, which ssh hands one string.

import { execFile } from 'node:child_process';

/** A host named `ssh://[user@]host[:port]`. */
export interface SshHost {
  user: string | null;
  host: string;
  port: number | null;
  /** As given, for messages. */
  text: string;
}

/** Load hosts and where this project's checkout is on them (loadgen/hosts.ts). */
export interface LoadHosts {
  hosts: readonly SshHost[];
  /** The checkout on every host (built: `npm ci` there builds it), absolute. */
  remoteDir: string;
}

/** A host to serve the variants on (`--server-host`), and where this project's checkout is there. */
export interface ServerHost {
  host: SshHost;
  remoteDir: string;
}

/** An ssh_config file to use instead of the user's (`-F`), for tests that make their own hosts. */
export const SSH_CONFIG_ENV = 'CBENCH_SSH_CONFIG';

/** Seconds to wait for a host to answer before giving up on it. */
const CONNECT_TIMEOUT_SEC = 5;

/** Parses `ssh://[user@]host[:port]`; throws with the reason on anything else. */
export function parseSshHost(text: string): SshHost {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a host: ${JSON.stringify(text)} (expected ssh://[user@]host[:port])`);
  }
  if (url.protocol !== 'ssh:') throw new Error(`a host is ssh://[user@]host[:port], got ${JSON.stringify(text)}`);
  if (url.hostname === '' || (url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.password !== '')
    throw new Error(`a host is ssh://[user@]host[:port] and nothing more, got ${JSON.stringify(text)}`);
  return {
    user: url.username === '' ? null : decodeURIComponent(url.username),
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? null : Number(url.port),
    text,
  };
}

/** One argument as the remote POSIX shell reads it back unchanged. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command that runs `command` on `h` with OpenSSH, its stdin and stdout piped through. */
export function sshArgv(h: SshHost, command: readonly string[]): string[] {
  const config = process.env[SSH_CONFIG_ENV];
  return [
    'ssh',
    ...(config === undefined || config === '' ? [] : ['-F', config]),
    '-o',
    'BatchMode=yes',
    '-o',
    `ConnectTimeout=${CONNECT_TIMEOUT_SEC}`,
    '-o',
    'ServerAliveInterval=5',
    '-o',
    'ServerAliveCountMax=3',
    ...(h.port === null ? [] : ['-p', String(h.port)]),
    '--',
    h.user === null ? h.host : `${h.user}@${h.host}`,
    command.map(shellQuote).join(' '),
  ];
}

/** Runs `command` on `h` and resolves with its standard output; rejects with the host, the exit and what it printed. */
export function sshRun(h: SshHost, command: readonly string[], timeoutMs = 20_000): Promise<string> {
  const [cmd, ...args] = sshArgv(h, command) as [string, ...string[]];
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout);
      else
        reject(
          new Error(
            `${h.text}: ${command[0]} failed (${error.killed ? 'timed out' : `exit ${error.code ?? error.signal}`}): ${`${stderr}${stdout}`.trim().slice(-400) || 'no output'}`,
          ),
        );
    });
  });
}

/**
 * The command that runs `cbench serve` on `h` from the checkout `remoteDir` there, listening on
 * every address, and stops it when its input ends: when the server is stopped (its input closed)
 * and on every other path too, as an ssh client that dies or is killed ends the session and so
 * that input. It prints the server's pid there (`cbench-remote-pid N`) on its standard error, and
 * ends with the server's exit status when the server stops by itself.
 */
export function remoteServeArgv(h: SshHost, remoteDir: string, serveArgs: readonly string[]): string[] {
  // The watcher holds none of the session's output: when the server stops by itself the wrapper
  // exits and the session ends at once (the watcher's `cat` then reads the end of its input and
  // goes). A server that ignores TERM gets KILL 5 s later.
  const script = [
    'exec 3<&0',
    'node "$0" serve "$@" </dev/null & pid=$!',
    'echo "cbench-remote-pid $pid" >&2',
    '( cat <&3; kill -TERM $pid; sleep 5; kill -KILL $pid ) </dev/null >/dev/null 2>&1 & watcher=$!',
    'exec 3<&-',
    'wait $pid; code=$?',
    'kill $watcher 2>/dev/null',
    'exit $code',
  ].join('; ');
  return sshArgv(h, ['sh', '-c', script, `${remoteDir}/dist/scripts/cbench.js`, ...serveArgs]);
}
