// What the kernel knows about the sockets of an attack, read from /proc: how many descriptors a
// process may still open, how many bytes wait in a TCP connection's queues on either side, and
// which process holds the server's end of a connection. Linux only, as the rest of the suite.

import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A process's soft limit on open files (`ulimit -n`), or null when it cannot be read. */
export function openFilesLimit(pid: number | 'self'): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    if (m === null) return null;
    return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return null;
  }
}

/** How many descriptors a process has open now, or null when it cannot be read. */
export function openFiles(pid: number | 'self'): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** Descriptors a process may still open (its limit less what it holds), or null when unknown. */
export function descriptorsLeft(pid: number | 'self'): number | null {
  const limit = openFilesLimit(pid);
  const open = openFiles(pid);
  return limit === null || open === null ? null : Math.max(0, limit - open);
}

/** One TCP socket as /proc/net/tcp lists it. */
export interface TcpEntry {
  localPort: number;
  remotePort: number;
  /** 1 is ESTABLISHED (include/net/tcp_states.h). */
  state: number;
  /** Bytes written by the application and not yet acknowledged by the peer (sent or still waiting to be). */
  txQueue: number;
  /** Bytes received and not yet read by the application. */
  rxQueue: number;
  inode: number;
}

export const TCP_ESTABLISHED = 1;

/**
 * Parses the lines of /proc/net/tcp or tcp6: `sl local rem st tx_queue:rx_queue ... inode`, the
 * addresses as hex `ADDR:PORT`. The addresses themselves are left out: every socket of an attack
 * is on loopback, and its pair of ports names it.
 */
export function parseProcNetTcp(text: string): TcpEntry[] {
  const out: TcpEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const port = (addr: string | undefined) => Number.parseInt(addr?.split(':')[1] ?? '', 16);
    const [tx, rx] = (f[4] ?? '').split(':');
    out.push({
      localPort: port(f[1]),
      remotePort: port(f[2]),
      state: Number.parseInt(f[3] ?? '', 16),
      txQueue: Number.parseInt(tx ?? '', 16),
      rxQueue: Number.parseInt(rx ?? '', 16),
      inode: Number(f[9]),
    });
  }
  return out;
}

/** Every TCP socket of this network namespace (IPv4 and IPv6). */
export function tcpSockets(): TcpEntry[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) => (existsSync(file) ? parseProcNetTcp(readFileSync(file, 'utf8')) : []));
}

/** Both ends of one established loopback connection between a client's port and a server's. */
export interface ConnectionEnds {
  client: TcpEntry | undefined;
  server: TcpEntry | undefined;
}

/** The two ends of the established connection from `clientPort` to `serverPort`, as the kernel holds them now. */
export function connectionEnds(clientPort: number, serverPort: number, sockets: readonly TcpEntry[] = tcpSockets()): ConnectionEnds {
  const established = sockets.filter((s) => s.state === TCP_ESTABLISHED);
  return {
    client: established.find((s) => s.localPort === clientPort && s.remotePort === serverPort),
    server: established.find((s) => s.localPort === serverPort && s.remotePort === clientPort),
  };
}

/** Whether process `pid` holds the socket with this inode among its descriptors. */
export function holdsSocket(pid: number, inode: number): boolean {
  const wanted = `socket:[${inode}]`;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === wanted) return true;
    } catch {
      // closed while we looked
    }
  }
  return false;
}
