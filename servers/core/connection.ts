// The connection handler: drives the parser from a socket, runs the handler, and writes the
// responses back strictly in request order. Every variant built on the core uses it; the only
// thing that differs between them is the handler they pass in (inline, or sent to a worker).

import type { Socket } from 'node:net';
import type { ParserLimits } from './limits.js';
import { type HttpRequest, RequestParser } from './parser.js';
import {
  CONN_CLOSE,
  CONN_KEEP_ALIVE,
  CONN_NONE,
  CONTINUE_RESPONSE,
  type ConnectionHeader,
  INTERNAL_ERROR,
  type Response,
  serializeResponse,
  textResponse,
} from './response.js';

/** Turns a request into a response; may be asynchronous, may finish out of order. */
export type Handler = (req: HttpRequest) => Response | Promise<Response>;

/** Timeouts and limits of one connection. */
export interface ConnectionOptions {
  limits: Partial<ParserLimits>;
  /** A request head must be complete this long after its first byte, or 408 (slowloris). */
  headersTimeoutMs: number;
  /** A whole request (head and body) must arrive this long after its first byte, or 408. */
  requestTimeoutMs: number;
  /** A keep-alive connection with nothing in flight is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Responses waiting in line before the connection stops reading more pipelined requests. */
  maxPipelined: number;
  /** After the last response of a closing connection, how long the client gets to read it. */
  closeGraceMs: number;
  /** Requests served on one connection before it closes; 0 for no limit. */
  maxRequestsPerConnection: number;
  /** Methods implemented beside the standard ones (an app's own); any other is answered 501. */
  methods?: ReadonlySet<string>;
}

/** The defaults; Node's own are 60 s headers, 300 s request, 5 s keep-alive. */
export const DEFAULT_CONNECTION_OPTIONS: Readonly<ConnectionOptions> = Object.freeze({
  limits: {},
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxPipelined: 64,
  closeGraceMs: 2_000,
  maxRequestsPerConnection: 0,
});

/** One response in line: filled when its handler finishes, written when everything before it is. */
interface Slot {
  /** The response's bytes; null until its handler finishes. */
  data: string | [string, Buffer] | null;
  /** What the response says of the connection; CONN_CLOSE closes it once this is written. */
  connection: ConnectionHeader;
  omitBody: boolean;
}

/** An HTTP/1.1 connection on one socket. */
export class Connection {
  private readonly parser: RequestParser;
  private readonly queue: Slot[] = [];
  /** The next response closes the connection: a close was asked for, or the server drains. */
  private closing = false;
  /** Bytes that still arrive are dropped unread: after an error, a timeout, or the last request. */
  private discardInput = false;
  private ended = false;
  private destroyed = false;
  private peerEnded = false;
  /** Reading is paused because writes are not draining or too many responses wait. */
  private throttled = false;
  private writeBlocked = false;
  private requestStartedAt = 0;
  private deadline = Infinity;
  private deadlineKind: 'idle' | 'head' | 'request' | 'none' = 'none';
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private requests = 0;

  constructor(
    private readonly socket: Socket,
    private readonly handler: Handler,
    private readonly options: ConnectionOptions = DEFAULT_CONNECTION_OPTIONS,
    private readonly onClose: (c: Connection) => void = () => {},
  ) {
    this.parser = new RequestParser(options.limits, options.methods === undefined ? {} : { methods: options.methods });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('end', () => this.onEnd());
    socket.on('error', () => this.teardown());
    socket.on('close', () => this.teardown());
    this.setDeadline('idle', Date.now() + options.keepAliveTimeoutMs);
  }

  /** Whether nothing is in flight: no request being received, no response waiting. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.parser.inRequest;
  }

  /**
   * Stops taking new requests: an idle connection closes now; a busy one answers what it has
   * (the last response says `Connection: close`) and then closes.
   */
  shutdown(): void {
    if (this.destroyed || this.ended) return;
    this.closing = true;
    if (this.idle) {
      this.endSocket();
      return;
    }
    if (!this.parser.inRequest) this.discardInput = true;
    const last = this.queue.at(-1);
    if (last !== undefined && last.data === null && !this.parser.inRequest) last.connection = CONN_CLOSE;
    // A request still arriving is answered with close when it is complete (see onRequest).
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.socket.destroy();
    this.teardown();
  }

  private onData(chunk: Buffer): void {
    if (this.discardInput) return;
    if (!this.parser.inRequest) this.requestStartedAt = Date.now();
    this.parser.feed(chunk);
    this.socket.cork();
    this.pump();
    this.socket.uncork();
  }

  /** Pulls events from the parser while the connection may take more work. */
  private pump(): void {
    while (!this.destroyed) {
      if (this.writeBlocked || this.queue.length >= this.options.maxPipelined) {
        this.throttle();
        return;
      }
      const ev = this.parser.next();
      switch (ev.kind) {
        case 'need-more':
          this.unthrottle();
          this.armForInput();
          return;
        case 'continue':
          this.push({ data: CONTINUE_RESPONSE, connection: CONN_NONE, omitBody: false });
          break;
        case 'error':
          this.stopReading(); // nothing after the bad bytes is processed
          this.push(this.errorSlot(ev.status, `${ev.reason}\n`));
          return;
        case 'request':
          this.onRequest(ev);
          if (this.closing) {
            this.stopReading();
            return;
          }
          if (this.parser.inRequest) this.requestStartedAt = Date.now();
          break;
      }
    }
  }

  private onRequest(req: HttpRequest): void {
    const max = this.options.maxRequestsPerConnection;
    const close = !req.keepAlive || this.closing || (max > 0 && ++this.requests >= max);
    // Once a request says close, later pipelined ones are not processed (RFC 9112 §9.6).
    if (close) this.closing = true;
    const slot: Slot = { data: null, connection: close ? CONN_CLOSE : req.versionMinor === 0 ? CONN_KEEP_ALIVE : CONN_NONE, omitBody: req.method === 'HEAD' };
    this.queue.push(slot);
    let result: Response | Promise<Response>;
    try {
      result = this.handler(req);
    } catch {
      result = INTERNAL_ERROR;
    }
    if (result instanceof Promise) {
      result.then(
        (res) => this.fill(slot, res),
        () => this.fill(slot, INTERNAL_ERROR),
      );
    } else {
      this.fill(slot, result);
    }
  }

  private fill(slot: Slot, res: Response): void {
    if (this.destroyed) return;
    slot.data = serializeResponse(res, slot.connection, slot.omitBody);
    if (this.queue[0] === slot) this.flush();
  }

  private push(slot: Slot): void {
    this.queue.push(slot);
    if (this.queue[0] === slot) this.flush();
  }

  private errorSlot(status: number, text: string): Slot {
    return { data: serializeResponse(textResponse(status, text), CONN_CLOSE, false), connection: CONN_CLOSE, omitBody: false };
  }

  /** Writes every ready response at the head of the line, in order. */
  private flush(): void {
    if (this.destroyed || this.ended) return;
    this.socket.cork();
    for (;;) {
      const slot = this.queue[0];
      if (slot === undefined || slot.data === null) break;
      this.queue.shift();
      const data = slot.data;
      let ok: boolean;
      if (typeof data === 'string') {
        ok = this.socket.write(data);
      } else {
        this.socket.write(data[0]);
        ok = this.socket.write(data[1]);
      }
      if (!ok) this.writeBlocked = true;
      if (slot.connection === CONN_CLOSE) {
        this.socket.uncork();
        this.endSocket();
        return;
      }
    }
    this.socket.uncork();
    // Nothing more to answer, and nothing more will be read: the client has finished sending, or
    // what it sends is dropped.
    if (this.queue.length === 0 && (this.peerEnded || this.discardInput)) {
      this.endSocket();
      return;
    }
    // Room again in the line: take the pipelined requests that were left waiting.
    if (this.throttled && !this.writeBlocked && this.queue.length < this.options.maxPipelined) this.resume();
    else if (this.idle) this.setDeadline('idle', Date.now() + this.options.keepAliveTimeoutMs);
  }

  private onDrain(): void {
    this.writeBlocked = false;
    if (this.throttled) this.resume();
  }

  private resume(): void {
    this.socket.cork();
    this.pump();
    this.socket.uncork();
  }

  private throttle(): void {
    if (!this.throttled) {
      this.throttled = true;
      this.socket.pause();
    }
  }

  private unthrottle(): void {
    if (this.throttled) {
      this.throttled = false;
      if (!this.discardInput) this.socket.resume();
    }
  }

  /** The client sent FIN: it will send nothing more, but still reads what we answer. */
  private onEnd(): void {
    this.peerEnded = true;
    if (!this.discardInput && this.parser.inRequest && this.queue.length === 0) {
      // A request cut short can never complete; RFC 9112 §8 calls it incomplete. Answer 400 and close.
      this.parser.destroy();
      this.push(this.errorSlot(400, 'incomplete request\n'));
      return;
    }
    if (this.queue.length === 0) this.endSocket();
  }

  /** After the parser drained its input: which timeout applies now. */
  private armForInput(): void {
    if (this.parser.inHead) {
      this.setDeadline('head', this.requestStartedAt + this.options.headersTimeoutMs);
    } else if (this.parser.inRequest) {
      this.setDeadline('request', this.requestStartedAt + this.options.requestTimeoutMs);
    } else if (this.queue.length === 0) {
      this.setDeadline('idle', Date.now() + this.options.keepAliveTimeoutMs);
    } else {
      this.clearDeadline(); // waiting on handlers, not on the client
    }
  }

  // One timer per connection, re-armed lazily: moving a deadline later costs only a field write.
  private setDeadline(kind: 'idle' | 'head' | 'request', at: number): void {
    this.deadlineKind = kind;
    this.deadline = at;
    if (this.timer !== null && at >= this.timerAt) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private clearDeadline(): void {
    this.deadlineKind = 'none';
    this.deadline = Infinity;
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = Infinity;
    if (this.destroyed || this.deadlineKind === 'none') return;
    const now = Date.now();
    if (now < this.deadline) {
      this.setDeadline(this.deadlineKind, this.deadline);
      return;
    }
    if (this.deadlineKind === 'idle') {
      if (this.idle) this.endSocket();
      return;
    }
    // A head or request that did not arrive in time: 408, then close (RFC 9110 §15.5.9).
    this.stopReading();
    this.parser.destroy();
    this.push(this.errorSlot(408, 'request timeout\n'));
  }

  private stopReading(): void {
    this.closing = true;
    this.discardInput = true;
    this.clearDeadline();
    this.socket.pause();
  }

  private endSocket(): void {
    if (this.ended || this.destroyed) return;
    this.ended = true;
    this.stopReading();
    this.socket.end();
    // Keep reading (and dropping) what the client still sends: closing with unread bytes makes
    // the kernel send RST, which can destroy the last response before the client has read it.
    this.socket.resume();
    // A client that never reads its last response must not hold the connection open forever.
    setTimeout(() => this.socket.destroy(), this.options.closeGraceMs).unref();
  }

  private teardown(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.parser.destroy();
    this.queue.length = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.onClose(this);
  }
}
