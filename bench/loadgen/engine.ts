// The builtin load generator's engine: raw `net` sockets, no HTTP client library on the hot path.
//
// Closed loop: each of C connections keeps P requests in flight, sending the next as a response
// arrives (autocannon's and wrk's model). Open loop (`rate`): requests are due on a schedule fixed
// before the run (schedule.ts), R a second in all, and each is sent on the connection with a free
// slot that has waited longest; its latency counts from the time it was due, not from when it
// left, so a server that stalls shows in the tail instead of quietly lowering the send rate
// (wrk2's method). A request due while every connection is full waits in a backlog, is counted
// late, and leaves as soon as an answer frees a connection.
//
// The open loop costs about what the closed loop does per request. One timer drives the
// schedule, and each time it fires it sends everything that has come due, so the sends of a turn
// of the event loop go out together and the loop is not woken once per request (a wake-up costs
// about 46 µs of CPU on the 2-core development VM). Node's timers fire no sooner than 1 ms, and
// at high rates every 1 to 2 ms, so an answer that arrives once the schedule is half a
// millisecond behind takes what has come due with it (RESPONSE_PUMP_LAG_MS): a request leaves
// within about a millisecond of its due time, and the send lag says how long. No allocation per
// request in this code (Node's socket.write still makes its write request): the schedule, the
// backlog and the ring of free connections are numbers in typed arrays, and the response reader
// allocates nothing. And the window runs the code the warm-up optimized: what the hot path reads
// that the window's start or end changes is first changed when the load starts (startLoad), as
// V8 compiles a field stored once as a constant into the code that reads it and throws that code
// away when it first changes. Measured against nginx on that VM (npm run bench:open-loop, 3 rounds
// of 5 s, alternated with the engine of commit 287e628, which did neither), the generator's
// CPU per response: 15.7 µs at 40,000 req/s (before: 16.7), 17.9 at 50% of its closed-loop
// ceiling (18.0), 15.5 at 75% (15.9), 22.0 at 25% (24.7), 24.4 at 10% (26.8), where a turn of
// the loop has little to batch; its closed loop, 14.3 µs in the same run. Its p99 at 75%: 4.47 ms
// (before: 13.6; wrk2's, 4.35), with 0.1% of the requests held up (3.7%).
//
// A warm-up (`warmupSec`) runs the load before the window, recording as the window does, then
// forgets it; the open loop's schedule runs on through it. Without one, a window opens on the
// generator's first compilations and falls behind its schedule at once. The generator watches
// itself: how late it took each request off the schedule, how late its timer fired, and which
// requests it held up (taken off over 2 ms late), with the latency of the others apart, so a
// report can tell a tail the generator made from one the server made (bench/analysis/saturation.ts).
//
// Connections are opened and answered once before the load, so the window holds no TCP
// handshake; the time from connect to that first response is reported on its own.

import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import * as hdr from 'hdr-histogram-js';
import type { z } from 'zod';
import { seededRandom } from '../../shared/random.js';
import { type CpuReading, cpuSince, readCpu } from '../lib/cpu-window.js';
import { processTree, ticksPerSecond } from '../lib/processes.js';
import { summarize } from '../lib/stats.js';
import type { loadReportSchema } from '../results/sample.js';
import { ResponseReader } from './response-reader.js';
import { arrivalSchedule, type Schedule } from './schedule.js';
import { rangeText, type Segment, segmentSchedule, shareOf, WHOLE, widthOf } from './segment.js';
import type { Arrivals, Fairness, FirstResponseMs, LatencyMs, RouteSample } from './types.js';

/** One request of a mix, as the engine sends it. */
export interface MixEntry {
  method: string;
  /** Path and query. */
  path: string;
  body?: Buffer;
  /** Relative weight: any positive number. */
  weight: number;
  /** Its name in the per-route figures (default: method and path). */
  label?: string;
}

/** What to send, where, how hard and for how long. */
export interface LoadOptions {
  host: string;
  port: number;
  /** Path and query, e.g. /plaintext */
  path: string;
  method: string;
  /** Extra request header fields, in order. */
  headers: ReadonlyArray<readonly [string, string]>;
  body?: Buffer;
  /**
   * A weighted mix of requests, sent instead of `method`, `path` and `body`: each connection draws
   * every request it sends from it with a seeded random sequence of its own (from `seed` and its
   * index), so a run repeats, and latency is reported per request of the mix as well as in all.
   */
  mix?: readonly MixEntry[];
  connections: number;
  /** Requests in flight per connection. */
  pipelining: number;
  /** How long the measured window lasts, in seconds (or stop after `requests`). */
  durationSec?: number;
  /** Stop after this many measured responses instead of after a duration. */
  requests?: number;
  /** Open loop: requests due per second, over all connections. */
  rate?: number;
  /** Open loop: evenly spaced, or exponential gaps (a Poisson process). */
  arrivals?: Arrivals;
  /** A request unanswered this long counts as a timeout and its connection is replaced. */
  timeoutSec: number;
  /** A local server's pid: its process tree's CPU time is read at the window's edges. */
  observePid?: number;
  /** The CPUs a local server is pinned to: how busy they were in the window is read too. */
  observeCpus?: number[];
  /** The CPUs this generator is pinned to: how busy they were in the window (its own work and the kernel's for its sockets). */
  observeOwnCpus?: number[];
  /** Seed of the Poisson arrivals and of the draws from a mix, for runs that repeat. */
  seed?: number;
  /**
   * Run only this segment of the run the other options describe (segment.ts): its share of the
   * connections, each numbered as in the whole run, of a request count, and of the open loop's
   * arrivals. Segments that cover [0, 1) send together what the whole run would.
   */
  segment?: Pick<Segment, 'from' | 'to'>;
  /**
   * Called once every connection has answered its first request (or the time for that ran out);
   * the load starts when what it returns settles. Segments run in threads (threads.ts) wait so for
   * each other, and start together.
   */
  startGate?: () => Promise<void>;
  /**
   * Seconds of load before the window, recorded nowhere: the generator's code is compiled and
   * the server in its steady state when the window opens, and the open loop's schedule runs on
   * through it. None by default.
   */
  warmupSec?: number;
}

/**
 * What one run measured: a LoadSample with every figure present, and more. `requests` counts
 * responses within the measured window; `latencyMs` covers every request sent in it, its answer
 * waited for after the window (up to the timeout) so a stall at the end still shows; the error
 * counts cover the whole run (warm-up, window and the wait after it), as a server that refuses or
 * fails during the warm-up has failed too; `timeouts` includes requests still unanswered at the end.
 * With it, each connection's count, every route, and the distributions merging needs (its shape:
 * results/sample.ts).
 */
export type LoadReport = z.infer<typeof loadReportSchema>;
export type ReportHistograms = LoadReport['histograms'];

/** Live figures, about once a second. */
export interface LoadProgress {
  elapsedSec: number;
  requests: number;
  errors: number;
}

/** Jain's fairness index of per-connection counts, and their spread. */
export function fairnessOf(counts: readonly number[]): Fairness {
  if (counts.length === 0) return { jain: 1, min: 0, median: 0, max: 0 };
  let sum = 0;
  let squares = 0;
  for (const c of counts) {
    sum += c;
    squares += c * c;
  }
  return { jain: squares === 0 ? 1 : (sum * sum) / (counts.length * squares), ...summarize(counts) };
}

/** One request's bytes. */
export function encodeRequest(o: Pick<LoadOptions, 'host' | 'port' | 'path' | 'method' | 'headers' | 'body'>): Buffer {
  const lines = [`${o.method} ${o.path} HTTP/1.1`];
  const names = new Set(o.headers.map(([k]) => k.toLowerCase()));
  if (!names.has('host')) lines.push(`Host: ${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`);
  for (const [k, v] of o.headers) lines.push(`${k}: ${v}`);
  if (o.body !== undefined) {
    if (!names.has('content-type')) lines.push('Content-Type: application/octet-stream');
    if (!names.has('content-length')) lines.push(`Content-Length: ${o.body.length}`);
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), o.body ?? Buffer.alloc(0)]);
}

/** The requests a run sends, each with its bytes, its share of the draws and its label. */
interface Mix {
  requests: Buffer[];
  labels: string[];
  /** Cumulative shares, the last one 1. */
  cumulative: Float64Array;
  /** Every request is HEAD, so no response has a body. */
  noBody: boolean;
}

function mixOf(opts: LoadOptions): Mix {
  const entries: readonly MixEntry[] = opts.mix ?? [
    { method: opts.method, path: opts.path, weight: 1, ...(opts.body === undefined ? {} : { body: opts.body }) },
  ];
  if (entries.length === 0) throw new Error('runLoad: a mix needs at least one request');
  if (entries.length > 65_535) throw new Error('runLoad: a mix of more than 65,535 requests');
  if (entries.some((e) => !(e.weight > 0) || !Number.isFinite(e.weight))) throw new Error('runLoad: every weight of a mix must be a number above 0');
  const heads = entries.filter((e) => e.method.toUpperCase() === 'HEAD').length;
  // Which responses have a body is known per connection, not per request.
  if (heads > 0 && heads < entries.length) throw new Error('runLoad: a mix cannot put HEAD requests beside others');
  const total = entries.reduce((n, e) => n + e.weight, 0);
  const cumulative = new Float64Array(entries.length);
  let sum = 0;
  entries.forEach((e, i) => {
    sum += e.weight;
    cumulative[i] = sum / total;
  });
  cumulative[entries.length - 1] = 1;
  return {
    requests: entries.map((e) =>
      encodeRequest({
        host: opts.host,
        port: opts.port,
        headers: opts.headers,
        method: e.method,
        path: e.path,
        ...(e.body === undefined ? {} : { body: e.body }),
      }),
    ),
    labels: entries.map((e) => e.label ?? `${e.method} ${e.path}`),
    cumulative,
    noBody: heads > 0,
  };
}

/** The index of the request a draw in [0, 1) picks. */
function pick(cumulative: Float64Array, x: number): number {
  let i = 0;
  while ((cumulative[i] as number) <= x) i++;
  return i;
}

/** A connection's own seed: its draws differ from every other connection's and repeat between runs. */
function connectionSeed(seed: number, index: number): number {
  return (Math.imul(index + 1, 0x9e3779b1) ^ Math.imul(seed, 0x85ebca6b)) >>> 0;
}

export function newHistogram(): hdr.Histogram {
  // Microseconds, 3 significant digits, growing past an hour if it must.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: 32, autoResize: true });
}

/** The first responses' figures from their times (ms, ascending) on `connections` connections: the rest failed. */
export function firstResponseMsOf(first: readonly number[], connections: number): FirstResponseMs {
  const at = (q: number) => (first.length === 0 ? 0 : (first[Math.min(first.length - 1, Math.ceil(q * first.length) - 1)] as number));
  return { p50: at(0.5), p99: at(0.99), max: first.length === 0 ? 0 : (first[first.length - 1] as number), failed: Math.max(0, connections - first.length) };
}

export function percentilesMs(h: hdr.Histogram): LatencyMs {
  // A percentile is the top of its bucket, which can lie a little above the largest value recorded.
  const at = (p: number) => (h.totalCount === 0 ? 0 : Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000);
  return {
    mean: h.totalCount === 0 ? 0 : h.mean / 1000,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p99_9: at(99.9),
    p99_99: at(99.99),
    max: h.totalCount === 0 ? 0 : h.maxValue / 1000,
  };
}

/** A read buffer shared by every socket: each read is handled before the next one fills it. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** How long a run may wait at the end for requests still in flight, at most. */
const DRAIN_LIMIT_MS = 10_000;

/**
 * Open loop: a request taken off the schedule later than this was held up by the generator. The
 * scheduler's timer fires no sooner than 1 ms, so up to about that much lateness is its
 * resolution, not a delay; 2 ms is more than one timer period late.
 */
const HELD_LAG_US = 2000;

/**
 * Open loop: once the oldest request not yet taken off the schedule is this late, an answer that
 * arrives takes what has come due with it, instead of leaving it for the timer, which fires every
 * 1 to 2 ms at high rates (Node's timers fire no sooner than 1 ms, on whole ms of the loop's clock).
 * Not sooner: taking every request off as an answer arrives sent them one or two at a time and cost
 * the generator 20–40% more CPU per response (measured with no threshold); at half a
 * millisecond a batch is still rate × 0.5 ms of requests.
 */
const RESPONSE_PUMP_LAG_MS = 0.5;

/**
 * connecting: each connection's first request and answer; warming: the load runs, nothing is
 * recorded; measuring: the window; draining: waiting for what the window sent; done.
 */
type Phase = 'connecting' | 'gated' | 'warming' | 'measuring' | 'draining' | 'done';

class Connection {
  socket: Socket | null = null;
  reader: ResponseReader;
  /** Due (open loop) or send (closed loop) times of requests in flight, oldest first. */
  private readonly times: Float64Array;
  /** With a mix: which request of it each one in flight is, in step with `times`. */
  private readonly which: Uint16Array | null;
  /** With a mix: this connection's draws. */
  private readonly draw: (() => number) | null;
  /** Open loop: whether each request in flight was held up by the generator (see Generator.pump), in step with `times`. */
  private readonly held: Uint8Array;
  /** The mix index of the request last shifted out. */
  lastShifted = 0;
  /** Whether the request last shifted out was held up by the generator. */
  lastHeld = false;
  private head = 0;
  inFlight = 0;
  completed = 0;
  /** When it last sent into an empty pipeline or got a response: the timeout clock. */
  lastProgress = 0;
  connectedAt = 0;
  warm = false;
  /** Its first response came, or it failed trying, during the warm-up: the clock waits for neither. */
  counted = false;
  /** Connect to first answer of this slot's first connection that got one, in ms. */
  firstMs: number | null = null;
  /** In the open loop's ring of connections with a free slot. */
  queued = false;
  /** Consecutive failed connects, for the reconnect backoff. */
  failures = 0;
  closing = false;

  constructor(
    /** Its place among the generator's connections. */
    readonly index: number,
    private readonly gen: Generator,
    /** Its number in the whole run, which seeds its draws: the same whichever segment runs it. */
    readonly number = index,
  ) {
    this.times = new Float64Array(gen.depth);
    this.held = new Uint8Array(gen.depth);
    const mixed = gen.mix.requests.length > 1;
    this.which = mixed ? new Uint16Array(gen.depth) : null;
    this.draw = mixed ? seededRandom(connectionSeed(gen.opts.seed ?? 1, number)) : null;
    this.reader = new ResponseReader(gen.mix.noBody, mixed);
  }

  open(): void {
    this.reader = new ResponseReader(this.gen.mix.noBody, this.which !== null);
    this.head = 0;
    this.inFlight = 0;
    this.closing = false;
    this.connectedAt = performance.now();
    const socket = connect({
      host: this.gen.opts.host,
      port: this.gen.opts.port,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Buffer) => this.onRead(n, buf) },
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.failures = 0;
      this.gen.onConnect(this);
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (this.socket === socket) this.gen.onError(this, e);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.gen.onClose(this);
    });
  }

  /** Sends `k` requests in one write, each due at `due` (and held up by the generator, or not), at `now`. */
  send(k: number, due: number, now: number, held = false): void {
    const socket = this.socket as Socket;
    if (this.inFlight === 0) this.lastProgress = now;
    const cap = this.times.length;
    for (let i = 0; i < k; i++) {
      const at = (this.head + this.inFlight + i) % cap;
      this.times[at] = due;
      this.held[at] = held ? 1 : 0;
    }
    if (this.which === null || this.draw === null) {
      this.inFlight += k;
      socket.write(this.gen.batch(k));
      return;
    }
    const { requests, cumulative } = this.gen.mix;
    const out: Buffer[] = [];
    for (let i = 0; i < k; i++) {
      const r = pick(cumulative, this.draw());
      this.which[(this.head + this.inFlight + i) % cap] = r;
      out.push(requests[r] as Buffer);
    }
    this.inFlight += k;
    socket.write(k === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  }

  /** The due or send time of the oldest request in flight, removing it (and its mix index into lastShifted). */
  shift(): number {
    const t = this.times[this.head] as number;
    this.lastHeld = this.held[this.head] === 1;
    if (this.which !== null) this.lastShifted = this.which[this.head] as number;
    this.head = (this.head + 1) % this.times.length;
    this.inFlight--;
    return t;
  }

  /** Whether it can take another request now. */
  get free(): boolean {
    return this.socket !== null && !this.closing && this.warm && this.inFlight < this.times.length;
  }

  private onRead(n: number, buf: Buffer): boolean {
    const done = this.reader.feed(buf, 0, n);
    this.gen.onResponses(this, done, n);
    if (this.reader.error !== null) this.gen.onBadResponse(this);
    return true;
  }

  /** Closes the socket without reporting its close. */
  drop(): void {
    const s = this.socket;
    this.socket = null;
    this.warm = false;
    s?.destroy();
  }
}

class Generator {
  readonly depth: number;
  readonly mix: Mix;
  /** `k` requests back to back, built when first needed (one write per batch; depth × body can be large). */
  private readonly batches: Buffer[] = [];
  readonly conns: Connection[] = [];
  private latency = newHistogram();
  /** Per request of a mix (none without one: the totals are its figures). */
  private routeLatency: hdr.Histogram[];
  private readonly routeCompleted: number[];
  private readonly routeNon2xx: number[];
  private sendLag = newHistogram();
  /** Open loop: how late the generator took each request off its schedule (its own delay, without waiting for a connection). */
  private scheduleLag = newHistogram();
  /** Open loop: requests the generator held up (see pump), and the latency of all the others. */
  private heldUp = 0;
  private latencyNotHeld = newHistogram();
  private phase: Phase = 'connecting';
  /** The window's start. */
  private t0 = Number.POSITIVE_INFINITY;
  /**
   * Latency is recorded for requests due (open loop) or sent (closed loop) from here on: the
   * load's start, then, after a warm-up, the window's. Without a warm-up, every answer in the
   * window is recorded, as it always was (a closed-loop connection that reconnected just before
   * the window counts from when it was asked for).
   */
  private recordFrom = Number.POSITIVE_INFINITY;
  private tEnd = Number.POSITIVE_INFINITY;
  private cpu0: NodeJS.CpuUsage = { user: 0, system: 0 };
  /**
   * The window's CPU readings, set when it ends. One object, not fields of their own: a field
   * holding the small integer 0 that is then given a fraction changes the generator's hidden
   * class, which threw every optimized function of the response path back to the interpreter
   * while the window's last requests were still being answered (--trace-deopt: "wrong map").
   */
  private windowCpu: Pick<LoadReport, 'loadgenCpuSec' | 'serverCpuSec' | 'serverCpusBusySec' | 'loadgenCpusBusySec'> | null = null;
  /** The server's process tree, when observePid was given (found before the load starts). */
  private serverPids: number[] | null = null;
  /** The server's processes and CPUs, and the generator's own CPUs, as read when the window opened. */
  private server0: CpuReading | null = null;
  private own0: CpuReading | null = null;
  private completed = 0;
  /** Answers to requests due (or sent) from recordFrom on: with a request count, what it counts. */
  private answered = 0;
  /** Requests lost in the window, and connects that failed in it: with a request count, these are done too, as nothing will answer them. */
  private failed = 0;
  private bytes = 0;
  private issued = 0;
  private errors = 0;
  private timeouts = 0;
  private resets = 0;
  private reconnects = 0;
  /** Connections whose first exchange ended (answered or failed). */
  private warmed = 0;
  /** The load runs: from its start (the warm-up's, or the window's when there is none) to the window's end; the phase is warming or measuring. */
  private loading = false;
  // Open loop
  private readonly open: boolean;
  private readonly schedule: Schedule | null;
  /** Where the schedule's offsets count from. */
  private scheduleStart = 0;
  private nextDue = Number.POSITIVE_INFINITY;
  /** Requests due in the window, and of those, the ones that found every connection busy. */
  private due = 0;
  private late = 0;
  /** Due times of requests waiting for a connection, oldest first, and whether each was held up: rings that grow. */
  private backlog = new Float64Array(1024);
  private backlogHeld = new Uint8Array(1024);
  private backlogHead = 0;
  private backlogSize = 0;
  /** Connections with a free slot (by index), least recently given a request first: a ring holding each at most once. */
  private readonly freeRing: Int32Array;
  private freeHead = 0;
  private freeSize = 0;
  /** The scheduler's timer while it is armed. */
  private scheduler: NodeJS.Timeout | null = null;
  /** Its 1 ms timer, kept and re-armed (see arm). */
  private oneMs: NodeJS.Timeout | null = null;
  /** When the scheduler's timer was asked to fire. */
  private tickAt = 0;
  /** Open loop: how late the scheduler's timer fired, the event-loop delay as the schedule saw it. */
  private loopDelay = newHistogram();
  /** Whether what is recorded from now on is the window's (a request count caps only the window's). */
  private get capped(): boolean {
    return this.requestQuota !== undefined && this.phase === 'measuring' && this.due >= this.requestQuota;
  }
  /** The whole run's connection numbers this segment runs: [first, first + count). */
  private readonly firstConnection: number;
  private readonly connectionCount: number;
  /** This segment's part of a request count. */
  private readonly requestQuota: number | undefined;

  private readonly timers: NodeJS.Timeout[] = [];
  private readonly reconnectTimers = new Set<NodeJS.Timeout>();
  private finish: (r: LoadReport) => void = () => {};

  constructor(
    readonly opts: LoadOptions,
    private readonly onProgress?: (p: LoadProgress) => void,
  ) {
    this.depth = opts.pipelining;
    this.mix = mixOf(opts);
    const routes = this.mix.requests.length > 1 ? this.mix.requests.length : 0;
    this.routeLatency = Array.from({ length: routes }, newHistogram);
    this.routeCompleted = new Array<number>(routes).fill(0);
    this.routeNon2xx = new Array<number>(routes).fill(0);
    this.open = opts.rate !== undefined;
    const segment = opts.segment ?? WHOLE;
    this.schedule = opts.rate === undefined ? null : segmentSchedule(arrivalSchedule(opts.rate, opts.arrivals ?? 'constant', opts.seed ?? 1), segment);
    const { lo, hi } = shareOf(opts.connections, segment);
    const text = rangeText(segment);
    if (hi <= lo) throw new Error(`segment ${text} of ${opts.connections} connections holds none of them`);
    this.firstConnection = lo;
    this.connectionCount = hi - lo;
    if (opts.requests === undefined) this.requestQuota = undefined;
    else {
      const share = shareOf(opts.requests, segment);
      this.requestQuota = share.hi - share.lo;
      // With no duration, a segment with no request of its own would wait for ever.
      if (this.requestQuota === 0) throw new Error(`segment ${text} of ${opts.requests} requests holds none of them`);
    }
    this.freeRing = new Int32Array(this.connectionCount);
  }

  batch(k: number): Buffer {
    let b = this.batches[k];
    if (b === undefined) {
      const request = this.mix.requests[0] as Buffer;
      b = k === 1 ? request : Buffer.concat(Array.from({ length: k }, () => request));
      this.batches[k] = b;
    }
    return b;
  }

  run(): Promise<LoadReport> {
    return new Promise((resolve) => {
      this.finish = resolve;
      for (let i = 0; i < this.connectionCount; i++) {
        const c = new Connection(i, this, this.firstConnection + i);
        this.conns.push(c);
        c.open();
      }
      this.every(100, () => this.sweep());
      // Connections that cannot all answer within the timeout: measure with the ones that did.
      this.timers.push(setTimeout(() => this.connected(), this.opts.timeoutSec * 1000));
    });
  }

  private every(ms: number, f: () => void): void {
    this.timers.push(setInterval(f, ms));
  }

  onConnect(c: Connection): void {
    // Before the load, one request whose answer proves the connection. After a reconnect under
    // load (the server closed or failed the last one), the closed loop's requests count from
    // when the connection was asked for: a client that must reconnect waits for the handshake
    // and the server's accept too, which is most of what a server that closes every connection
    // (blocking) makes its clients wait for.
    const now = performance.now();
    if (this.phase === 'connecting' || this.phase === 'gated') {
      c.send(1, now, now);
    } else {
      c.warm = true;
      this.refill(c, now, c.connectedAt);
    }
  }

  onResponses(c: Connection, n: number, bytes: number): void {
    if (n === 0) {
      if (this.loading) this.bytes += bytes;
      return;
    }
    if (n > c.inFlight) {
      // More answers than requests: nothing on this connection can be matched to its request any more.
      this.lose(c, 'error');
      return;
    }
    const now = performance.now();
    c.lastProgress = now;
    if (!c.warm) {
      // The first request's answer (the only one in flight).
      c.shift();
      c.reader.failedInOrder?.shift();
      n--;
      c.warm = true;
      // A first answer can close its connection too: no request may follow it there.
      if (c.reader.closing) c.closing = true;
      c.firstMs ??= now - c.connectedAt;
      if (this.phase === 'connecting' || this.phase === 'gated') {
        this.countWarm(c);
        // Closed from this side, as below; reopened (and proven again) when the close is seen.
        if (c.closing) c.socket?.destroy();
        return;
      }
    }
    // The warm-up counts and records as the window does, and is then forgotten (freshFigures):
    // a path the window takes that the warm-up did not would be compiled in the window. (So the
    // hot path asks `loading`, not the phase: `phase === 'warming' || phase === 'measuring'`
    // read the phase a second time only in the window, a load V8 had no feedback for, and threw
    // the function away there.)
    const counting = this.loading;
    if (counting) this.bytes += bytes;
    // Latency of the requests due (or sent) from the window's start on, answered in it or after.
    const t0 = this.recordFrom;
    if (this.routeLatency.length === 0) {
      for (let i = 0; i < n; i++) {
        const t = c.shift();
        if (t >= t0) this.recordLatency(Math.round((now - t) * 1000), c.lastHeld);
      }
    } else {
      const failed = c.reader.failedInOrder as boolean[];
      for (let i = 0; i < n; i++) {
        const t = c.shift();
        const r = c.lastShifted;
        if (t >= t0) {
          const us = Math.round((now - t) * 1000);
          this.recordLatency(us, c.lastHeld);
          (this.routeLatency[r] as hdr.Histogram).recordValue(us);
        }
        // Counted as `requests` is, in the window; the run's own non2xx covers the whole run.
        const non2xx = failed.shift() === true;
        if (counting) {
          this.routeCompleted[r] = (this.routeCompleted[r] as number) + 1;
          if (non2xx) this.routeNon2xx[r] = (this.routeNon2xx[r] as number) + 1;
        }
      }
    }
    if (counting) {
      this.completed += n;
      c.completed += n;
      if (this.countReached()) {
        this.endWindow();
        return;
      }
    }
    if (c.reader.closing) c.closing = true;
    if (c.closing) {
      // Closed from this side, so a server that never closes its own cannot hold the slot.
      if (c.inFlight === 0) c.socket?.destroy();
      return;
    }
    this.refill(c, now);
  }

  private recordLatency(us: number, held: boolean): void {
    this.answered++;
    this.latency.recordValue(us);
    if (held) this.heldUp++;
    else if (this.open) this.latencyNotHeld.recordValue(us);
  }

  /** Gives a connection with free slots its next requests (in the closed loop, counting from `since`). */
  private refill(c: Connection, now: number, since = now): void {
    if (this.phase === 'draining') {
      if (this.open) this.sendBacklog(c, now);
      else this.maybeDone();
      return;
    }
    if (!this.loading) return;
    if (this.open) {
      // Late requests first; the connection then waits in the ring for the schedule, which this
      // answer also serves once it has fallen RESPONSE_PUMP_LAG_MS behind.
      this.sendBacklog(c, now);
      this.enqueueFree(c);
      if (this.nextDue + RESPONSE_PUMP_LAG_MS <= now) this.pump(now);
      return;
    }
    let k = this.depth - c.inFlight;
    if (this.requestQuota !== undefined && this.phase === 'measuring') k = Math.min(k, this.requestQuota - this.issued);
    if (k <= 0) return;
    if (this.phase === 'measuring') this.issued += k;
    c.send(k, since, now);
  }

  /** Sends late requests on `c` while it has room, oldest first. */
  private sendBacklog(c: Connection, now: number): void {
    while (this.backlogSize > 0 && c.free) {
      const due = this.backlog[this.backlogHead] as number;
      const held = this.backlogHeld[this.backlogHead] === 1;
      this.backlogHead = (this.backlogHead + 1) & (this.backlog.length - 1);
      this.backlogSize--;
      if (due >= this.t0) this.sendLag.recordValue(Math.round((now - due) * 1000));
      c.send(1, due, now, held);
    }
    if (this.phase === 'draining') this.maybeDone();
  }

  private pushBacklog(due: number, held: boolean): void {
    const mask = this.backlog.length - 1;
    if (this.backlogSize === this.backlog.length) {
      // Full: double both, oldest first from index 0.
      const grown = new Float64Array(this.backlog.length * 2);
      const grownHeld = new Uint8Array(this.backlog.length * 2);
      for (let i = 0; i < this.backlogSize; i++) {
        grown[i] = this.backlog[(this.backlogHead + i) & mask] as number;
        grownHeld[i] = this.backlogHeld[(this.backlogHead + i) & mask] as number;
      }
      this.backlog = grown;
      this.backlogHeld = grownHeld;
      this.backlogHead = 0;
    }
    const at = (this.backlogHead + this.backlogSize) & (this.backlog.length - 1);
    this.backlog[at] = due;
    this.backlogHeld[at] = held ? 1 : 0;
    this.backlogSize++;
  }

  /** Puts a connection with room in the ring of free ones, unless it is there already. */
  private enqueueFree(c: Connection): void {
    if (c.queued || !c.free) return;
    c.queued = true;
    const n = this.freeRing.length;
    this.freeRing[(this.freeHead + this.freeSize) % n] = c.index;
    this.freeSize++;
  }

  /** The least recently given connection with room (ones that lost it since they were queued are dropped). */
  private takeFree(): Connection | undefined {
    const n = this.freeRing.length;
    while (this.freeSize > 0) {
      const c = this.conns[this.freeRing[this.freeHead] as number] as Connection;
      this.freeHead = (this.freeHead + 1) % n;
      this.freeSize--;
      c.queued = false;
      if (c.free) return c;
    }
    return undefined;
  }

  /** Open loop: the scheduler's timer. Sends what has come due, then sleeps until the next request is. */
  private tick = (): void => {
    this.scheduler = null;
    if (!this.loading) return;
    const now = performance.now();
    if (this.tickAt > 0) this.loopDelay.recordValue(Math.round(Math.max(0, now - this.tickAt) * 1000));
    this.pump(now);
    // From after the sends: a long burst of them is not the timer's lateness.
    this.arm(performance.now());
  };

  private arm(now: number): void {
    if (this.nextDue >= this.tEnd || this.capped) {
      // Nothing to arm: a later arm() makes a fresh 1 ms timer.
      this.oneMs = null;
      return;
    }
    // Node's timers fire no sooner than 1 ms, and on whole ms: a fraction is truncated, so a wait
    // of 1.3 ms fired at 1 ms, before anything was due, and woke the loop for nothing. Rounded up.
    const wait = Math.max(1, Math.ceil(this.nextDue - now));
    this.tickAt = now + wait;
    if (wait > 1) {
      this.scheduler = setTimeout(this.tick, wait);
      return;
    }
    // Above 1,000 requests a second nearly every wait is 1 ms: one timer re-armed, not a new
    // one (and its async resource) made on every turn of the loop.
    if (this.oneMs === null) this.oneMs = setTimeout(this.tick, 1);
    else this.oneMs.refresh();
    this.scheduler = this.oneMs;
  }

  /** Stops the scheduler's timer. */
  private disarm(): void {
    if (this.scheduler !== null) clearTimeout(this.scheduler);
    this.scheduler = null;
    this.oneMs = null;
  }

  /**
   * Open loop: takes every request due by `now` off the schedule and sends it on the least
   * recently used connection with room, or queues it in the backlog when every connection is busy.
   *
   * A request is held up by the generator when it is taken off the schedule more than
   * HELD_LAG_US late (the loop was busy or stalled, not asleep until it was due): every request
   * due in a stall is. A request taken off on time that then waits for a connection waits for the
   * server, which holds them all, even when the burst the generator sent on waking filled them: a
   * server fast enough for the rate answers a burst quickly, and one that is not shows it. (So
   * the rule errs towards the server: it blames the generator only for its own lateness.) The
   * latency of the requests not held up is kept apart, so a report can say how much of the tail
   * was the generator's.
   */
  private pump(now: number): void {
    const schedule = this.schedule as Schedule;
    while (this.nextDue <= now && this.nextDue < this.tEnd && !this.capped) {
      const due = this.nextDue;
      this.nextDue = this.scheduleStart + schedule.next();
      const recorded = due >= this.t0;
      const lagUs = Math.round((now - due) * 1000);
      if (recorded) {
        this.due++;
        this.scheduleLag.recordValue(lagUs);
      }
      const late = lagUs > HELD_LAG_US;
      const c = this.takeFree();
      if (c === undefined) {
        if (recorded) this.late++;
        this.pushBacklog(due, late);
        continue;
      }
      if (recorded) this.sendLag.recordValue(lagUs);
      c.send(1, due, now, late);
      this.enqueueFree(c);
    }
  }

  /** Every connection has answered its first request, or the time for that ran out: the load starts, with its warm-up or its window. */
  private connected(): void {
    if (this.phase !== 'connecting') return;
    // The server's processes, found once before the load: walking /proc takes tens of ms here,
    // and at the window's edges, with the open loop's schedule running through them, that stalled
    // the generator (measured: a loop delay of 23-50 ms in every repetition of a capacity sweep).
    // A process the server starts after this (a cluster worker replaced mid-run) is not counted.
    if (this.opts.observePid !== undefined) this.serverPids = processTree(this.opts.observePid);
    // /proc's clock ticks, read once, here, before the load: the first CPU reading used to ask
    // getconf for them, a process spawned and waited for (about 15 ms), and at the window's start
    // that stalled the schedule in every repetition of a capacity sweep (a loop delay of 13-35 ms,
    // 1-5% of the requests held up even at 10% of the ceiling). ticksPerSecond reads them without
    // a process now; whatever it costs stays out of the window.
    if (this.opts.observePid !== undefined || this.opts.observeCpus !== undefined || this.opts.observeOwnCpus !== undefined) ticksPerSecond();
    const gate = this.opts.startGate;
    if (gate !== undefined) {
      this.phase = 'gated';
      gate().then(
        () => this.begin(),
        () => this.begin(),
      );
      return;
    }
    this.begin();
  }

  /** The load starts: with its warm-up, or its window. */
  private begin(): void {
    if (this.phase !== 'connecting' && this.phase !== 'gated') return;
    this.phase = 'connecting';
    const warmupSec = this.opts.warmupSec ?? 0;
    if (warmupSec > 0) {
      this.phase = 'warming';
      this.startLoad(performance.now());
      this.timers.push(setTimeout(() => this.startWindow(), warmupSec * 1000));
    } else {
      this.startWindow();
    }
  }

  /** Starts sending: the closed loop fills every connection; the open loop's schedule starts at `now`. */
  private startLoad(now: number): void {
    this.loading = true;
    // A warm-up records as the window does (and is then forgotten), so the window runs the very
    // code the warm-up compiled: a path first taken when the window opens is compiled in it.
    this.t0 = now;
    this.recordFrom = now;
    // Everything the hot path reads that the window's start changes is given its first new value
    // here, before that code is optimized. V8 treats a field stored once as a constant and compiles
    // it into the code that reads it; its first change throws that code away ("code dependencies"
    // in --trace-deopt). Set first at the window's start, the histograms and the load's end threw
    // the whole response and send path back to the interpreter there, and its recompilation, 5 to
    // 25 ms of TurboFan work on threads that shared the generator's CPU, stalled the schedule in
    // the window's first half second (measured against nginx at 75% of the ceiling).
    this.freshFigures();
    // A first new value that ends nothing (the window sets the real end, or, with a request count,
    // its close does), unless the window has already set it (no warm-up).
    if (this.tEnd === Number.POSITIVE_INFINITY) this.tEnd = Number.MAX_VALUE;
    if (this.open) {
      this.scheduleStart = now;
      this.nextDue = now + (this.schedule as Schedule).next();
      for (const c of this.conns) this.enqueueFree(c);
      this.tick();
    } else {
      for (const c of this.conns) if (c.free) this.refill(c, now);
    }
  }

  /** The measured window opens; after a warm-up, the load goes on as it was (the schedule is not restarted). */
  private startWindow(): void {
    if (this.phase !== 'connecting' && this.phase !== 'warming') return;
    // Connections still without a first response join the load when they get one.
    const warmedUp = this.phase === 'warming';
    this.phase = 'measuring';
    if (this.serverPids !== null || this.opts.observeCpus !== undefined) this.server0 = readCpu(this.serverPids, this.opts.observeCpus ?? null);
    if (this.opts.observeOwnCpus !== undefined) this.own0 = readCpu(null, this.opts.observeOwnCpus);
    this.non2xxAtStart = this.non2xxSoFar();
    this.cpu0 = process.cpuUsage();
    this.t0 = performance.now();
    if (this.opts.durationSec !== undefined) {
      this.tEnd = this.t0 + this.opts.durationSec * 1000;
      this.timers.push(setTimeout(() => this.endWindow(), this.opts.durationSec * 1000));
    }
    this.every(1000, () =>
      this.onProgress?.({ elapsedSec: (performance.now() - this.t0) / 1000, requests: this.completed, errors: this.errors + this.timeouts + this.resets }),
    );
    if (warmedUp) {
      this.recordFrom = this.t0;
      this.freshFigures();
      // A warm-up that reached a request count stopped the schedule; the window's count starts now.
      if (this.open && this.scheduler === null) this.arm(this.t0);
    } else {
      this.startLoad(this.t0);
      this.recordFrom = Number.NEGATIVE_INFINITY;
    }
  }

  /**
   * Fresh histograms and counts: for the load (startLoad), and for the window after a warm-up, which
   * so drops what the warm-up counted and recorded: fresh histograms for the window, the warm-up's
   * left behind. Not a reset, and not a copy to subtract at the end: resetting an hdr-histogram-js
   * histogram changes its hidden class, which threw every function that had inlined a recordValue
   * back to the interpreter at the window's first answer (a burst of "wrong map" deoptimizations,
   * seen with --trace-deopt); copying six histograms of tens of thousands of buckets stalled the
   * loop for tens of ms at the window's start, with the schedule running. Fresh ones share the
   * warm-up's hidden class, which recording does not change.
   */
  private freshFigures(): void {
    this.latency = newHistogram();
    this.latencyNotHeld = newHistogram();
    this.routeLatency = this.routeLatency.map(() => newHistogram());
    this.sendLag = newHistogram();
    this.scheduleLag = newHistogram();
    this.loopDelay = newHistogram();
    this.due = 0;
    this.late = 0;
    this.heldUp = 0;
    this.completed = 0;
    this.answered = 0;
    this.bytes = 0;
    for (const c of this.conns) c.completed = 0;
    this.routeCompleted.fill(0);
    this.routeNon2xx.fill(0);
  }

  private endWindow(): void {
    if (this.phase !== 'measuring') return;
    this.tEnd = performance.now();
    this.loading = false;
    this.non2xxInWindow = this.non2xxSoFar() - this.non2xxAtStart;
    const cpu = process.cpuUsage(this.cpu0);
    const server = this.server0 === null ? null : cpuSince(this.server0, this.serverPids, this.opts.observeCpus ?? null);
    this.windowCpu = {
      loadgenCpuSec: (cpu.user + cpu.system) / 1e6,
      serverCpuSec: server !== null && this.serverPids !== null ? server.cpuSec : null,
      serverCpusBusySec: server?.cpusBusySec ?? null,
      loadgenCpusBusySec: this.own0 === null ? null : cpuSince(this.own0, null, this.opts.observeOwnCpus ?? null).cpusBusySec,
    };
    this.phase = 'draining';
    this.disarm();
    // Requests still in flight are waited for (a stall at the end must show in the tail), up to a limit.
    this.timers.push(setTimeout(() => this.done(), Math.min(DRAIN_LIMIT_MS, this.opts.timeoutSec * 1000)));
    this.maybeDone();
  }

  private maybeDone(): void {
    if (this.phase !== 'draining') return;
    if (this.backlogSize > 0) return;
    for (const c of this.conns) if (c.socket !== null && c.inFlight > 0) return;
    this.done();
  }

  private done(): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    for (const t of this.timers) clearTimeout(t);
    for (const t of this.reconnectTimers) clearTimeout(t);
    this.disarm();
    let unanswered = 0;
    for (const c of this.conns) {
      if (c.socket !== null) unanswered += c.inFlight;
      c.drop();
    }
    let unsent = 0;
    for (let i = 0; i < this.backlogSize; i++) if ((this.backlog[(this.backlogHead + i) & (this.backlog.length - 1)] as number) >= this.t0) unsent++;
    const durationSec = (this.tEnd - this.t0) / 1000;
    const first = this.conns.flatMap((c) => (c.firstMs === null ? [] : [c.firstMs])).sort((a, b) => a - b);
    this.finish({
      requests: this.completed,
      durationSec,
      requestsPerSec: durationSec > 0 ? this.completed / durationSec : 0,
      bytesPerSec: durationSec > 0 ? this.bytes / durationSec : 0,
      latencyMs: percentilesMs(this.latency),
      errors: this.errors,
      timeouts: this.timeouts + unanswered,
      non2xx: this.conns.reduce((n, c) => n + c.reader.non2xx, 0) + this.lostNon2xx,
      resets: this.resets,
      reconnects: this.reconnects,
      perConnection: this.conns.map((c) => c.completed),
      fairness: fairnessOf(this.conns.map((c) => c.completed)),
      firstResponseMs: firstResponseMsOf(first, this.connectionCount),
      ...(this.windowCpu ?? { loadgenCpuSec: 0, serverCpuSec: null, serverCpusBusySec: null, loadgenCpusBusySec: null }),
      routes: this.routeSamples(),
      histograms: {
        latency: hdr.encodeIntoCompressedBase64(this.latency),
        routes: this.routeLatency.map((h) => hdr.encodeIntoCompressedBase64(h)),
        openLoop: this.open
          ? {
              notHeld: hdr.encodeIntoCompressedBase64(this.latencyNotHeld),
              sendLag: hdr.encodeIntoCompressedBase64(this.sendLag),
              scheduleLag: hdr.encodeIntoCompressedBase64(this.scheduleLag),
              loopDelay: hdr.encodeIntoCompressedBase64(this.loopDelay),
            }
          : null,
      },
      firstResponses: first,
      openLoop: this.open
        ? {
            offeredRps: (this.opts.rate as number) * widthOf(this.opts.segment ?? WHOLE),
            arrivals: this.opts.arrivals ?? 'constant',
            due: this.due,
            late: this.late,
            unsent,
            sendLagMs: percentilesMs(this.sendLag),
            scheduleLagMs: percentilesMs(this.scheduleLag),
            loopDelayMs: percentilesMs(this.loopDelay),
            heldUp: this.heldUp,
            notHeldLatencyMs: percentilesMs(this.latencyNotHeld),
          }
        : null,
    });
  }

  /** non2xx counts of readers replaced by a reconnect. */
  private lostNon2xx = 0;
  /** Non-2xx answers at the window's start, and in it: a request's count is of its window, as `requests` is. */
  private non2xxAtStart = 0;
  private non2xxInWindow = 0;

  private non2xxSoFar(): number {
    return this.conns.reduce((n, c) => n + c.reader.non2xx, 0) + this.lostNon2xx;
  }

  /** Per request of the mix; without a mix, the one request's figures are the run's. */
  private routeSamples(): RouteSample[] {
    if (this.routeLatency.length === 0)
      return [
        {
          label: this.mix.labels[0] as string,
          requests: this.completed,
          non2xx: this.non2xxInWindow,
          latencyMs: percentilesMs(this.latency),
        },
      ];
    return this.routeLatency.map((h, i) => ({
      label: this.mix.labels[i] as string,
      requests: this.routeCompleted[i] as number,
      non2xx: this.routeNon2xx[i] as number,
      latencyMs: percentilesMs(h),
    }));
  }

  private countWarm(c: Connection): void {
    if (c.counted) return;
    c.counted = true;
    this.warmed++;
    if (this.warmed === this.connectionCount) this.connected();
  }

  /**
   * A connection that failed or was closed: the requests lost with it are counted by cause (a
   * close with nothing in flight is no error), and it is replaced.
   */
  private lose(c: Connection, cause: 'reset' | 'error' | 'timeout' | 'closed'): void {
    // Once per connection: a read can end in a bad answer and a close, each reporting the loss.
    if (this.phase === 'done' || c.socket === null) return;
    const lost = c.inFlight;
    if (cause === 'reset') this.resets += Math.max(1, lost);
    else if (cause === 'timeout') this.timeouts += Math.max(1, lost);
    else if (cause === 'error' || lost > 0) this.errors += Math.max(1, lost);
    if (this.phase === 'measuring' && (cause !== 'closed' || lost > 0)) this.failed += Math.max(1, lost);
    this.lostNon2xx += c.reader.non2xx;
    // The reader stays until the connection reopens, which it may never do (in the drain): zero it so done() does not count it again.
    c.reader.non2xx = 0;
    // One that failed before its first answer no longer holds the clock back.
    if (this.phase === 'connecting') this.countWarm(c);
    c.drop();
    // Without this, a run with a request count waited forever for requests lost with a connection.
    if (this.phase === 'measuring' && this.countReached()) this.endWindow();
    this.reopen(c);
  }

  /** With a request count: every request of it was answered or lost in the window (an answer to one the warm-up sent is not of it). */
  private countReached(): boolean {
    return this.requestQuota !== undefined && this.phase === 'measuring' && this.answered + this.failed >= this.requestQuota;
  }

  private reopen(c: Connection): void {
    if (this.phase === 'done' || this.phase === 'draining') {
      this.maybeDone();
      return;
    }
    c.failures++;
    // A server that refuses connections is retried with backoff, not in a tight loop.
    const delay = c.failures <= 1 ? 0 : Math.min(1000, 10 * 2 ** (c.failures - 2));
    // Kept apart from the run's few timers: a server that closes every connection causes thousands.
    const timer = setTimeout(() => {
      this.reconnectTimers.delete(timer);
      if (this.phase === 'done' || this.phase === 'draining') return;
      if (this.phase === 'measuring') this.reconnects++;
      c.open();
    }, delay);
    this.reconnectTimers.add(timer);
  }

  onError(c: Connection, e: NodeJS.ErrnoException): void {
    this.lose(c, e.code === 'ECONNRESET' || e.code === 'EPIPE' ? 'reset' : 'error');
  }

  onClose(c: Connection): void {
    // A body framed by the close ends with it; the connection is gone, so nothing follows it there.
    const ended = c.reader.end();
    if (ended > 0) {
      c.closing = true;
      this.onResponses(c, ended, 0);
    }
    this.lose(c, 'closed');
  }

  onBadResponse(c: Connection): void {
    this.lose(c, 'error');
  }

  /** Timeouts: a connection whose oldest request has waited too long is replaced. */
  private sweep(): void {
    const now = performance.now();
    const limit = this.opts.timeoutSec * 1000;
    for (const c of this.conns) {
      if (c.socket === null) continue;
      if (c.inFlight > 0 ? now - c.lastProgress > limit : c.socket.connecting && now - c.connectedAt > limit) this.lose(c, 'timeout');
    }
  }
}

/** Runs one load test and resolves with what it measured; errors are counted, never thrown. */
export function runLoad(opts: LoadOptions, onProgress?: (p: LoadProgress) => void): Promise<LoadReport> {
  if (opts.durationSec === undefined && opts.requests === undefined) throw new Error('runLoad: give a duration or a request count');
  return new Generator(opts, onProgress).run();
}
