// A TCP client that writes exact bytes and reads HTTP/1.1 responses back, for tests that need
// control a real HTTP client would take away (pipelining, fragmentation, malformed input).

import { connect, type Socket } from 'node:net';

/** One response as it came over the wire. */
export interface RawResponse {
  status: number;
  /** Header names lower-cased; repeated fields joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

export class RawClient {
  private buffered = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();
  /** Resolves when the server has closed (or reset) the connection. */
  readonly closed: Promise<void>;
  isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      const done = () => {
        if (this.isClosed) return;
        this.isClosed = true;
        this.wake();
        resolve();
      };
      // The server's FIN is what closing means here; our own side is then ended too.
      socket.on('end', () => {
        socket.end();
        done();
      });
      socket.on('close', done);
      socket.on('error', () => {});
    });
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, noDelay: true, allowHalfOpen: true }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Writes one byte at a time, yielding to the event loop between bytes. */
  async writeBytewise(data: string): Promise<void> {
    for (const byte of Buffer.from(data, 'latin1')) {
      this.socket.write(Buffer.of(byte));
      await new Promise((r) => setTimeout(r, 0));
    }
  }

  /** Waits for n responses; `head[i]` says response i answers a HEAD request (no body). */
  async responses(n: number, opts: { head?: boolean[]; timeoutMs?: number } = {}): Promise<RawResponse[]> {
    const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
    for (;;) {
      const parsed = parseResponses(this.buffered, opts.head ?? []);
      if (parsed.length >= n) return parsed.slice(0, n);
      if (this.isClosed) throw new Error(`connection closed after ${parsed.length} of ${n} responses: ${JSON.stringify(this.buffered.toString('latin1'))}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${parsed.length} of ${n} responses: ${JSON.stringify(this.buffered.toString('latin1'))}`);
      await this.wait(deadline - Date.now());
    }
  }

  /** Everything received so far, as text. */
  get text(): string {
    return this.buffered.toString('latin1');
  }

  /** Resolves true once the server closes the connection, false if it is still open after timeoutMs. */
  async closedWithin(timeoutMs: number): Promise<boolean> {
    const timer = new Promise<false>((r) => setTimeout(() => r(false), timeoutMs).unref());
    return Promise.race([this.closed.then(() => true as const), timer]);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(1, ms));
      this.waiters.add(wake);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Parses complete responses from the start of buf; interim (1xx) responses are included. */
export function parseResponses(buf: Buffer, head: boolean[]): RawResponse[] {
  const out: RawResponse[] = [];
  let pos = 0;
  let finals = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', pos, 'latin1');
    if (end === -1) return out;
    const lines = buf.toString('latin1', pos, end).split('\r\n');
    const status = Number((lines[0] ?? '').split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    let bodyStart = end + 4;
    let length = 0;
    if (status >= 200) {
      length = head[finals] === true ? 0 : Number(headers['content-length'] ?? 0);
      finals++;
    }
    if (buf.length < bodyStart + length) return out;
    out.push({ status, headers, body: buf.subarray(bodyStart, bodyStart + length) });
    pos = bodyStart + length;
    bodyStart = pos;
  }
}
