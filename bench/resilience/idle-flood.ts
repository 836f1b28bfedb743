// The idle flood and slowloris together: while N connections sit idle and M drip a request head
// one byte at a time, ordinary requests arrive at a modest rate for a window longer than the
// server's headers timeout. The three clients run in one process (attack.child.ts in the
// harness, or a test's own), and every socket is closed before this resolves.

import { IdleConnections, type IdleFigures } from './idle-client.js';
import { type OrdinaryFigures, ordinaryRequests } from './ordinary-client.js';
import { descriptorsLeft, openFilesLimit } from './proc-net.js';
import { Slowloris, type SlowlorisFigures } from './slowloris-client.js';

/** What to hold, drip and send, and where. */
export interface IdleFloodOptions {
  host: string;
  port: number;
  /** The server's processes (on this machine), whose descriptor limits bound what can be opened; none to leave them out. */
  serverPids: number[];
  idle: number;
  slowloris: number;
  slowlorisIntervalMs: number;
  /** Ordinary requests: GET of this path, at this rate (req/s), for windowSec, each answered 2xx within requestTimeoutMs or failed. */
  path: string;
  rateRps: number;
  windowSec: number;
  requestTimeoutMs: number;
  /** All the connects together are given up after this long (default 30 s): what opened by then is what is held. */
  openBoundMs?: number;
}

/** The descriptor limits that bounded the flood, and what they made it leave out. */
export interface DescriptorLimits {
  /** Soft limits on open files (`ulimit -n`) of this generator and of the server (its lowest, over its processes); null when unreadable. */
  clientLimit: number | null;
  serverLimit: number | null;
  /** What was opened fewer than asked because of them, and why; null when everything asked for fitted. */
  note: string | null;
}

/** Everything the idle flood measured. */
export interface IdleFloodReport {
  idle: IdleFigures;
  slowloris: SlowlorisFigures;
  ordinary: OrdinaryFigures;
  descriptors: DescriptorLimits;
}

/** Descriptors kept free beside the held connections: the ordinary requests in flight (rate × timeout) and this margin for everything else. */
const SPARE_DESCRIPTORS = 64;

/**
 * How many idle and slowloris connections fit in what both ends may still open (`left`, the
 * smaller of the two), after the ordinary requests' share: the idle ones give way first, since
 * slowloris is the sharper test of a server's deadlines. Null `left` (unreadable): as asked.
 */
export function fitDescriptors(
  asked: { idle: number; slowloris: number },
  left: number | null,
  ordinaryInFlight: number,
): { idle: number; slowloris: number; cut: boolean } {
  if (left === null) return { ...asked, cut: false };
  const room = Math.max(0, left - ordinaryInFlight - SPARE_DESCRIPTORS);
  const slowloris = Math.min(asked.slowloris, room);
  const idle = Math.min(asked.idle, room - slowloris);
  return { idle, slowloris, cut: idle < asked.idle || slowloris < asked.slowloris };
}

const n = (x: number) => x.toLocaleString('en-US');

/** Runs the three clients, closes every socket, and resolves with what each saw. */
export async function runIdleFlood(o: IdleFloodOptions): Promise<IdleFloodReport> {
  // Both ends are on this machine: each held connection costs a descriptor here and one there.
  const serverLeft = o.serverPids.map((pid) => descriptorsLeft(pid)).filter((x): x is number => x !== null);
  const ownLeft = descriptorsLeft('self');
  const lefts = [...serverLeft, ...(ownLeft === null ? [] : [ownLeft])];
  const left = lefts.length === 0 ? null : Math.min(...lefts);
  const inFlight = Math.ceil((o.rateRps * o.requestTimeoutMs) / 1000) + 1;
  const fit = fitDescriptors({ idle: o.idle, slowloris: o.slowloris }, left, inFlight);
  const serverLimits = o.serverPids.map((pid) => openFilesLimit(pid)).filter((x): x is number => x !== null);
  const descriptors: DescriptorLimits = {
    clientLimit: openFilesLimit('self'),
    serverLimit: serverLimits.length === 0 ? null : Math.min(...serverLimits),
    note: fit.cut
      ? `opened ${n(fit.idle)} of ${n(o.idle)} idle and ${n(fit.slowloris)} of ${n(o.slowloris)} slowloris connections: the file-descriptor limits ` +
        `(ulimit -n: this generator ${openFilesLimit('self') ?? '?'}, the server ${serverLimits.length === 0 ? '?' : Math.min(...serverLimits)}) ` +
        `left room for no more beside ${inFlight} ordinary requests in flight`
      : null,
  };

  const deadline = Date.now() + (o.openBoundMs ?? 30_000);
  const connects = (count: number) => ({ host: o.host, port: o.port, count, deadline });
  let idle: IdleConnections | undefined;
  let slow: Slowloris | undefined;
  try {
    idle = await IdleConnections.open(connects(fit.idle));
    slow = await Slowloris.open({ ...connects(fit.slowloris), intervalMs: o.slowlorisIntervalMs, path: o.path });
    let ordinary: OrdinaryFigures;
    try {
      ordinary = await ordinaryRequests({ host: o.host, port: o.port, path: o.path, rate: o.rateRps, durationSec: o.windowSec, timeoutMs: o.requestTimeoutMs });
    } finally {
      slow.stop();
    }
    // What was asked, not what fitted: a cut shows as connections asked for and not opened.
    return { idle: { ...idle.figures(), asked: o.idle }, slowloris: { ...slow.figures(), asked: o.slowloris }, ordinary, descriptors };
  } finally {
    idle?.close();
    slow?.close();
  }
}
