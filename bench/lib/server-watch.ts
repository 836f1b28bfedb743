// A server's CPU time and peak memory over a window, read on the host it runs on (`--server-host`)
// by server-watch.child.ts, started there over ssh when the window opens and told to report when
// it closes (by the end of its input).

import { jsonLine, spawnTracked, whenReady } from './processes.js';
import { type ServerHost, sshArgv } from './ssh.js';

/** What the server used over a window, read on its own host. */
export interface WatchReading {
  userSec: number;
  systemSec: number;
  wallSec: number;
  peakRssBytes: number;
}

/** A window being watched: `stop` closes it and resolves with what the server used. */
export interface ServerWatch {
  stop(): Promise<WatchReading>;
}

/** Starts watching the server `pid` on `where`; resolves once its first reading is taken. */
export async function watchRemoteServer(where: ServerHost, pid: number, timeoutMs = 20_000): Promise<ServerWatch> {
  const { child, output } = spawnTracked(sshArgv(where.host, ['node', `${where.remoteDir}/dist/bench/lib/server-watch.child.js`, String(pid)]), undefined, {
    stdin: true,
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const fail = (why: string) => new Error(`watching the server on ${where.host.text} ${why}: ${output().trim().slice(-300) || 'it printed nothing'}`);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    await whenReady(child, output, fail);
  } finally {
    clearTimeout(timer);
  }
  return {
    async stop() {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await closed;
      clearTimeout(timer);
      const watch = jsonLine<WatchReading>(output(), 'watch');
      if (code !== 0 || watch === undefined) throw fail(`failed (exit ${code})`);
      return watch;
    },
  };
}
