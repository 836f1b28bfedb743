import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ticksPerSecond } from '../lib/processes.js';
import { type LoadOptions, type LoadReport, runLoad } from './engine.js';
import { parseSegment } from './segment.js';
import { startStallServer, startStallServerProcess } from './stall-server.child.js';
import type { RouteSample } from './types.js';

// The clock-ticks lookup, watched (and still done): when the engine asks for it matters (below).
vi.mock('../lib/processes.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../lib/processes.js')>();
  return { ...original, ticksPerSecond: vi.fn(original.ticksPerSecond) };
});

// Every server here listens on 127.0.0.1 port 0 and is closed after its test.
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const HELLO = 'Hello, World!';
/** A fixed response, so the bytes a run read can be checked. */
const PLAIN = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${HELLO.length}\r\n\r\n${HELLO}`;

async function listen(server: HttpServer | NetServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An http server, closed (with its connections) after the test. */
async function httpServer(handler: Parameters<typeof createHttpServer>[1]): Promise<number> {
  const server = createHttpServer(handler);
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return listen(server);
}

/**
 * A raw TCP server calling `onRequest` once per request head (GET and HEAD requests: no bodies),
 * closed with every connection after the test.
 */
async function rawServer(onRequest: (socket: Socket, nth: number) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = '';
    let nth = 0;
    socket.on('data', (d: Buffer) => {
      pending += d.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        pending = pending.slice(end + 4);
        if (!socket.destroyed) onRequest(socket, ++nth);
      }
    });
  });
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return listen(server);
}

function options(port: number, o: Partial<LoadOptions> = {}): LoadOptions {
  return { host: '127.0.0.1', port, path: '/', method: 'GET', headers: [], connections: 2, pipelining: 1, durationSec: 0.5, timeoutSec: 2, ...o };
}

/** Runs the engine, failing the test if it has not finished within `limitMs` (rather than hanging until vitest's timeout). */
async function run(opts: LoadOptions, limitMs = 10_000): Promise<{ report: LoadReport; elapsedMs: number }> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`runLoad did not finish within ${limitMs} ms`)), limitMs);
  });
  try {
    const report = await Promise.race([runLoad(opts), hung]);
    return { report, elapsedMs: performance.now() - start };
  } finally {
    clearTimeout(timer);
  }
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const failures = (r: LoadReport) => ({ errors: r.errors, timeouts: r.timeouts, resets: r.resets });
const NO_FAILURES = { errors: 0, timeouts: 0, resets: 0 };

describe('closed loop', () => {
  it('counts each response once, per connection, and measures latency in ms from the send', async () => {
    const DELAY_MS = 20;
    let served = 0;
    const port = await httpServer((_req, res) => {
      served++;
      setTimeout(() => res.end(HELLO), DELAY_MS);
    });
    const C = 4;
    const { report } = await run(options(port, { connections: C, durationSec: 0.6 }));

    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.non2xx).toBe(0);
    expect(report.openLoop).toBeNull();
    expect(report.requests).toBeGreaterThan(0);
    expect(report.perConnection).toHaveLength(C);
    expect(sum(report.perConnection)).toBe(report.requests);
    // Every connection waits the same for each answer, so each gets about the same share.
    expect(report.fairness.jain).toBeGreaterThan(0.9);
    expect(report.fairness.min).toBeGreaterThan(0);
    // One answer per DELAY_MS per connection at most: more would mean responses counted twice.
    expect(report.requests).toBeLessThanOrEqual(C * (Math.ceil((report.durationSec * 1000) / DELAY_MS) + 1));
    // The server saw the warm-up request of each connection, the measured ones, and at most one
    // more per connection still in flight when the window closed.
    expect(served - C - report.requests).toBeGreaterThanOrEqual(0);
    expect(served - C - report.requests).toBeLessThanOrEqual(C);

    const l = report.latencyMs;
    expect(l.p50).toBeGreaterThanOrEqual(DELAY_MS - 1);
    // Milliseconds, not microseconds or seconds.
    expect(l.max).toBeLessThan(1000);
    expect(l.p50).toBeLessThanOrEqual(l.p90);
    expect(l.p90).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    expect(report.firstResponseMs.failed).toBe(0);
    expect(report.firstResponseMs.p50).toBeGreaterThanOrEqual(DELAY_MS - 1);
  });

  it('keeps exactly `pipelining` requests in flight on each connection, and counts the bytes it read', async () => {
    for (const P of [1, 3]) {
      // Each request is answered 5 ms after it arrives: long enough for the rest of a batch to arrive meanwhile.
      let received = 0;
      let mostOutstanding = 0;
      const outstanding = new Map<Socket, number>();
      const port = await rawServer((socket) => {
        received++;
        const now = (outstanding.get(socket) ?? 0) + 1;
        outstanding.set(socket, now);
        mostOutstanding = Math.max(mostOutstanding, now);
        setTimeout(() => {
          outstanding.set(socket, (outstanding.get(socket) ?? 1) - 1);
          if (!socket.destroyed) socket.write(PLAIN);
        }, 5);
      });
      const C = 2;
      const { report } = await run(options(port, { connections: C, pipelining: P, durationSec: 0.4 }));

      expect(failures(report)).toEqual(NO_FAILURES);
      expect(mostOutstanding, `pipelining ${P}`).toBe(P);
      expect(received - C - report.requests).toBeGreaterThanOrEqual(0);
      expect(received - C - report.requests).toBeLessThanOrEqual(C * P);
      // Bytes read in the window: the measured responses, give or take those cut by its edges.
      const bytes = Math.round(report.bytesPerSec * report.durationSec);
      expect(Math.abs(bytes - report.requests * PLAIN.length)).toBeLessThanOrEqual(C * P * PLAIN.length);
    }
  });

  it('sends a POST body and extra headers, and reads the echo', async () => {
    const body = Buffer.from(`${'x'.repeat(3000)}\u00e9`, 'latin1');
    let wrong = 0;
    let bodies = 0;
    const port = await httpServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        const got = Buffer.concat(parts);
        bodies++;
        if (req.method !== 'POST' || req.headers['x-test'] !== 'yes' || req.headers['content-length'] !== String(body.length) || !got.equals(body)) wrong++;
        res.end(got);
      });
    });
    const { report } = await run(options(port, { method: 'POST', body, headers: [['X-Test', 'yes']], pipelining: 2 }));

    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.requests).toBeGreaterThan(0);
    expect(bodies).toBeGreaterThanOrEqual(report.requests);
    expect(wrong).toBe(0);
  });

  it('frames chunked responses with trailers, pipelined', async () => {
    const port = await httpServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain', Trailer: 'X-Sum' });
      res.write('Hello, ');
      res.write('World!');
      res.addTrailers({ 'X-Sum': '13' });
      res.end();
    });
    const { report } = await run(options(port, { pipelining: 2 }));
    // Mis-framed responses would show as errors, or as timeouts when the reader waits for bytes that never come.
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.requests).toBeGreaterThan(0);
  });

  it('expects no body after a HEAD response that declares one', async () => {
    const methods = new Set<string>();
    const port = await httpServer((req, res) => {
      methods.add(req.method ?? '');
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': HELLO.length });
      res.end(HELLO); // node:http sends no body to a HEAD
    });
    const { report } = await run(options(port, { method: 'HEAD', pipelining: 2 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.requests).toBeGreaterThan(0);
    expect([...methods]).toEqual(['HEAD']);
  });

  it('counts non-2xx answers, each once', async () => {
    let served = 0;
    const port = await httpServer((_req, res) => {
      served++;
      res.writeHead(404);
      res.end('nope');
    });
    const { report } = await run(options(port, { connections: 2 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.requests).toBeGreaterThan(0);
    // Every answer the server sent was read (the run waits for those in flight at its end), and
    // non2xx counts them all: the warm-up's and the drain's too.
    expect(report.non2xx).toBe(served);
  });

  it('counts a non-2xx answer once when its connection closes and is not replaced', async () => {
    // Each answer closes its connection: the readers of the last ones are not replaced, as nothing
    // reopens during the drain, and were counted both as lost and as still open.
    let served = 0;
    const port = await httpServer((_req, res) => {
      served++;
      res.writeHead(500, { Connection: 'close' });
      res.end('no');
    });
    const { report } = await run(options(port, { connections: 2 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.requests).toBeGreaterThan(0);
    expect(report.non2xx).toBe(served);
  });

  it('reconnects after Connection: close without counting errors', async () => {
    const port = await httpServer((_req, res) => {
      res.writeHead(200, { Connection: 'close', 'Content-Length': HELLO.length });
      res.end(HELLO);
    });
    const { report } = await run(options(port, { connections: 2 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.requests).toBeGreaterThan(0);
    expect(report.reconnects).toBeGreaterThan(0);
    // one first response per connection, however often the warm-up had to reconnect
    expect(report.firstResponseMs.failed).toBe(0);
  });

  it('takes a first response per connection, and counts the connections that never gave one', async () => {
    // The first two connections are answered, every later one is left waiting.
    let accepted = 0;
    const port = await rawServer((socket, nth) => {
      if (nth === 1) (socket as Socket & { mine?: number }).mine = ++accepted;
      if (((socket as Socket & { mine?: number }).mine ?? 0) <= 2) socket.write(PLAIN);
    });
    const { report } = await run(options(port, { connections: 5, durationSec: 0.3, timeoutSec: 0.5 }));
    expect(report.firstResponseMs.failed).toBe(3);
    expect(report.firstResponseMs.max).toBeGreaterThan(0);
  });

  it('refuses a connection that answers more than it was asked, instead of matching answers to the wrong requests', async () => {
    const port = await rawServer((socket) => socket.write(PLAIN + PLAIN));
    const { report } = await run(options(port, { connections: 1, durationSec: 0.3 }));
    expect(report.errors).toBeGreaterThan(0);
    // Matched against the wrong (or no) request, an answer would count from a stale send time:
    // as long ago as this process has been running.
    expect(report.latencyMs.max).toBeLessThan(1000);
  });

  it('completes a response whose body ends with the connection', async () => {
    const port = await rawServer((socket) => socket.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n${HELLO}`));
    const { report } = await run(options(port, { connections: 2 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.requests).toBeGreaterThan(0);
    expect(report.firstResponseMs.failed).toBe(0);
  });
});

describe('failures are counted, never thrown, and the run ends on time', () => {
  it('a server that resets each connection at its second request', async () => {
    const port = await rawServer((socket, nth) => (nth === 1 ? socket.write(PLAIN) : socket.resetAndDestroy()));
    const { report, elapsedMs } = await run(options(port, { durationSec: 0.5 }));
    expect(report.resets).toBeGreaterThan(0);
    expect(report.requests).toBeGreaterThan(0);
    expect(report.reconnects).toBeGreaterThan(0);
    expect(report.timeouts).toBe(0);
    expect(elapsedMs).toBeLessThan(500 + 3000);
  });

  it('a server that closes in the middle of its second response', async () => {
    const port = await rawServer((socket, nth) => (nth === 1 ? socket.write(PLAIN) : socket.end('HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHel')));
    const { report, elapsedMs } = await run(options(port, { durationSec: 0.5 }));
    expect(report.errors).toBeGreaterThan(0);
    expect(report.requests).toBeGreaterThan(0);
    expect(report.reconnects).toBeGreaterThan(0);
    expect(report.timeouts).toBe(0);
    expect(elapsedMs).toBeLessThan(500 + 3000);
  });

  it('a server that answers garbage', async () => {
    const port = await rawServer((socket) => socket.write('<html>not http</html>\r\n\r\n'));
    const { report } = await run(options(port, { connections: 2, durationSec: 0.3 }));
    expect(report.errors).toBeGreaterThan(0);
    expect(report.requests).toBe(0);
    expect(report.firstResponseMs.failed).toBe(2);
  });

  /** A port nothing listens on: one that was just in use. */
  async function refusedPort(): Promise<number> {
    const server = createNetServer();
    const port = await listen(server);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('a refused port, closed loop', async () => {
    const { report, elapsedMs } = await run(options(await refusedPort(), { connections: 2, durationSec: 0.5, timeoutSec: 1 }));
    expect(report.errors).toBeGreaterThan(0);
    expect(report.requests).toBe(0);
    expect(report.firstResponseMs.failed).toBe(2);
    expect(elapsedMs).toBeLessThan(500 + 3000);
  });

  it('a refused port, open loop: every request due is late and never sent', async () => {
    const { report, elapsedMs } = await run(options(await refusedPort(), { rate: 100, durationSec: 0.5, timeoutSec: 1 }));
    expect(report.errors).toBeGreaterThan(0);
    expect(report.requests).toBe(0);
    expect(report.openLoop?.due).toBeGreaterThan(0);
    expect(report.openLoop?.late).toBe(report.openLoop?.due);
    expect(report.openLoop?.unsent).toBe(report.openLoop?.due);
    // requests never sent are reported as such, not as timeouts
    expect(report.timeouts).toBe(0);
    expect(elapsedMs).toBeLessThan(500 + 1000 + 3000);
  });

  it('a refused port with a request count', async () => {
    const { report } = await run(options(await refusedPort(), { connections: 1, durationSec: undefined, requests: 5, timeoutSec: 1 }));
    expect(report.errors).toBeGreaterThanOrEqual(5);
    expect(report.requests).toBe(0);
  });

  it('a server that never answers: timeouts', async () => {
    const port = await rawServer(() => {});
    const C = 2;
    const { report, elapsedMs } = await run(options(port, { connections: C, durationSec: 0.5, timeoutSec: 0.5 }));
    expect(report.timeouts).toBeGreaterThanOrEqual(C);
    expect(report.requests).toBe(0);
    expect(report.errors).toBe(0);
    expect(report.firstResponseMs.failed).toBe(C);
    // Warm-up gives up after the timeout, then the window, then the drain waits at most the timeout.
    expect(elapsedMs).toBeLessThan(500 + 500 + 500 + 3000);
  });
});

describe('a request count', () => {
  it('closed loop: stops after exactly N responses, and sends no more', async () => {
    let received = 0;
    const port = await rawServer((socket) => {
      received++;
      socket.write(PLAIN);
    });
    const C = 2;
    const { report } = await run(options(port, { connections: C, pipelining: 2, durationSec: undefined, requests: 40 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.requests).toBe(40);
    expect(sum(report.perConnection)).toBe(40);
    expect(received).toBe(C + 40);
  });

  it('open loop: N requests come due, and N are answered', async () => {
    let received = 0;
    const port = await rawServer((socket) => {
      received++;
      socket.write(PLAIN);
    });
    const C = 2;
    const { report } = await run(options(port, { connections: C, rate: 400, durationSec: undefined, requests: 20 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.requests).toBe(20);
    expect(report.openLoop?.due).toBe(20);
    expect(received).toBe(C + 20);
  });

  it('ends when requests are lost on the way', async () => {
    // Each connection's third request is reset: it will never be answered, and must not be waited for.
    const port = await rawServer((socket, nth) => (nth === 3 ? socket.resetAndDestroy() : socket.write(PLAIN)));
    const { report } = await run(options(port, { connections: 2, durationSec: undefined, requests: 30 }));
    expect(report.resets).toBeGreaterThan(0);
    expect(report.requests).toBeGreaterThan(0);
    expect(report.requests).toBeLessThan(30);
  });
});

describe('open loop', () => {
  it('sends at the rate asked, measures from the time each request was due', async () => {
    const port = await rawServer((socket) => socket.write(PLAIN));
    const rate = 200;
    const { report } = await run(options(port, { connections: 4, rate, durationSec: 0.5 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.openLoop).toMatchObject({ offeredRps: rate, arrivals: 'constant', unsent: 0 });
    // Evenly spaced from the window's start: one due every 5 ms over 500 ms.
    expect(report.openLoop?.due).toBe(100);
    expect(report.requests).toBeLessThanOrEqual(100);
    expect(report.requests).toBeGreaterThan(0);
  });

  it('Poisson arrivals: about rate × duration, the same for the same seed', async () => {
    const port = await rawServer((socket) => socket.write(PLAIN));
    const o = options(port, { connections: 2, rate: 200, arrivals: 'poisson', durationSec: 0.5, seed: 7 });
    const a = (await run(o)).report;
    const b = (await run(o)).report;
    expect(a.openLoop?.arrivals).toBe('poisson');
    // A Poisson count with mean 100 has a standard deviation of 10.
    expect(Math.abs((a.openLoop?.due ?? 0) - 100)).toBeLessThan(40);
    expect(b.openLoop?.due).toBe(a.openLoop?.due);
  });

  it('shows a server too slow for the rate in the tail, where a closed loop shows nothing', async () => {
    // One connection, answers after 20 ms: at most 50 a second against 100 due. The backlog grows
    // by 50 a second, so the last request due in a 1 s window waits about half a second.
    const port = await httpServer((_req, res) => setTimeout(() => res.end(HELLO), 20));
    const open = (await run(options(port, { connections: 1, rate: 100, durationSec: 1, timeoutSec: 5 }))).report;
    expect(failures(open)).toEqual(NO_FAILURES);
    expect(open.openLoop?.late).toBeGreaterThan(0);
    expect(open.openLoop?.unsent).toBe(0);
    expect(open.latencyMs.p99).toBeGreaterThanOrEqual(250);
    // Send lag: how long after its due time each request left.
    expect(open.openLoop?.sendLagMs.p99).toBeGreaterThanOrEqual(200);

    const closed = (await run(options(port, { connections: 1, durationSec: 0.5 }))).report;
    expect(closed.latencyMs.p99).toBeLessThan(250);
  });
});

describe('the open loop watches itself', () => {
  it('a warm-up records nothing, and the schedule runs on through it into the window', async () => {
    let received = 0;
    const port = await rawServer((socket) => {
      received++;
      socket.write(PLAIN);
    });
    const { report } = await run(options(port, { connections: 4, rate: 200, durationSec: 0.5, warmupSec: 0.5 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    // One due every 5 ms over the 500 ms window, on the grid the warm-up began.
    expect(Math.abs((report.openLoop?.due ?? 0) - 100)).toBeLessThanOrEqual(1);
    expect(report.requests).toBeGreaterThanOrEqual(95);
    expect(report.requests).toBeLessThanOrEqual(105);
    // The warm-up sent its 100 too (and each connection its first request), recorded nowhere.
    expect(received).toBeGreaterThanOrEqual(4 + 190);
  });

  it('what the warm-up recorded is not the window’s: answers slow only during the warm-up leave the window’s latency short', async () => {
    let slowUntil = Number.POSITIVE_INFINITY;
    const port = await rawServer((socket) => {
      if (Date.now() < slowUntil) setTimeout(() => socket.write(PLAIN), 250);
      else socket.write(PLAIN);
    });
    // Answers take 250 ms for requests that arrive in the first 300 ms; the window opens after
    // 900 ms of warm-up, when the last slow answer is long gone.
    slowUntil = Date.now() + 300;
    const { report } = await run(options(port, { connections: 60, rate: 200, durationSec: 0.5, warmupSec: 0.9 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.requests).toBeGreaterThanOrEqual(90);
    // Had the warm-up's latencies stayed, the max would be 250 ms or more.
    expect(report.latencyMs.max).toBeLessThan(150);
    expect(report.openLoop?.sendLagMs.max).toBeLessThan(150);
  });

  it('with a request count and a warm-up, the window sends its own count and ends', async () => {
    const port = await rawServer((socket) => socket.write(PLAIN));
    // The warm-up alone is due 300 requests, more than the count: it must not use the window's up.
    const { report } = await run(options(port, { connections: 4, rate: 1000, durationSec: undefined, requests: 100, warmupSec: 0.3 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.openLoop?.due).toBe(100);
    expect(report.requests).toBeGreaterThanOrEqual(100);
  });

  it("asks for /proc's clock ticks before its load starts, not at the window's edge (getconf runs a process, which stalled the schedule)", async () => {
    const port = await rawServer((socket) => socket.write(PLAIN));
    const asked = vi.mocked(ticksPerSecond);
    asked.mockClear();
    let askedBeforeLoad = 0;
    const gate = async () => {
      askedBeforeLoad = asked.mock.calls.length;
    };
    const { report } = await run({ ...options(port, { connections: 2, rate: 200, durationSec: 0.2 }), observeOwnCpus: [0], startGate: gate });
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(askedBeforeLoad).toBeGreaterThan(0);
    expect(report.loadgenCpusBusySec).not.toBeNull();
  });

  it('a generator whose loop is blocked holds up the requests due meanwhile, and the rest keep a short tail', async () => {
    const port = await rawServer((socket) => socket.write(PLAIN));
    const pending = run(options(port, { connections: 50, rate: 1000, durationSec: 1.5, timeoutSec: 5 }));
    // This process's event loop is the generator's: block it for 250 ms, well inside the window.
    setTimeout(() => {
      const until = performance.now() + 250;
      while (performance.now() < until);
    }, 500);
    const { report } = await pending;
    const o = report.openLoop;
    if (o === null) throw new Error('an open loop reports its schedule');
    expect(failures(report)).toEqual(NO_FAILURES);
    // About 250 requests came due while the loop was blocked, each taken off the schedule late.
    expect(o.heldUp).toBeGreaterThanOrEqual(180);
    expect(o.loopDelayMs.max).toBeGreaterThanOrEqual(180);
    expect(o.scheduleLagMs.max).toBeGreaterThanOrEqual(180);
    expect(report.latencyMs.p99).toBeGreaterThanOrEqual(120);
    // Without them the tail is the server's: a few ms at most.
    expect(o.notHeldLatencyMs.p99).toBeLessThan(report.latencyMs.p99 / 3);
  });
});

describe("a server that stalls (wrk2's lesson)", () => {
  // The stall server runs in a child process: its busy loop would otherwise stop this process's
  // event loop, and the load generator with it.
  //
  // The arithmetic. Stalls of S ms start every T ms; over a window of k·T the server is stalled
  // for exactly k·S, whatever the phase. At constant arrivals a fraction S/T of the requests come
  // due during a stall, and each waits until it ends: their delays are uniform on [0, S]. The
  // other requests are fast. So percentile q (a fraction) of all latencies is the top (1−q)·T/S
  // of the delayed ones, S·(1 − (1−q)·T/S) when that is positive. With S = 400, T = 1200:
  // p99 ≈ 400·(1 − 0.03) = 388 ms and p90 ≈ 400·(1 − 0.3) = 280 ms. The backlog that piles up
  // behind a stall (16 connections hold 16 of the ~200 requests due in one) only adds delay.
  //
  // A closed loop sends nothing while it waits: each stall delays just the C requests in flight,
  // C·k of the whole run. Its p90 sits among the fast answers unless the run made fewer than
  // 10·C·(k+1) responses in all, which the test checks first.
  const S = 400;
  const T = 1200;
  const C = 16;

  it('the fixture blocks the whole process it runs in', async () => {
    // Hence the child process below. The first stall starts as soon as the server listens.
    const server = await startStallServer({ stallMs: 150, everyMs: 60_000 });
    try {
      const start = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(performance.now() - start).toBeGreaterThanOrEqual(140);
      expect(server.stalls()).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('open loop reports the stall in its tail; closed loop hides it', async () => {
    const server = await startStallServerProcess({ stallMs: S, everyMs: T });
    try {
      const rate = 500;
      const durationSec = (3 * T) / 1000;
      const open = (await run(options(server.port, { connections: C, rate, durationSec, timeoutSec: 5 }), 20_000)).report;
      expect(failures(open)).toEqual(NO_FAILURES);
      expect(open.openLoop?.unsent).toBe(0);
      const due = open.openLoop?.due ?? 0;
      expect(Math.abs(due - rate * durationSec)).toBeLessThanOrEqual(0.02 * rate * durationSec);
      expect(open.latencyMs.p99).toBeGreaterThanOrEqual(S / 2);
      expect(open.latencyMs.p90).toBeGreaterThanOrEqual(S / 4);
      // About S/T of the requests came due in a stall, when all but C of them found every connection busy.
      expect(open.openLoop?.late).toBeGreaterThanOrEqual(((due * S) / T) * 0.5);
      // The generator kept its schedule: the backlog began with punctual requests, so it is the
      // server's, and the requests the generator did not hold up carry the whole tail. How many it
      // held up depends on this process's event loop, which a loaded machine (the stall server
      // burns a CPU) delays: only a generator that held up most of them is a bug. The next line
      // is the proof that the tail is the server's.
      expect((open.openLoop?.heldUp ?? due) / due).toBeLessThan(0.5);
      expect(open.openLoop?.notHeldLatencyMs.p99).toBeGreaterThanOrEqual(S / 2);

      const k = 2;
      const closed = (await run(options(server.port, { connections: C, durationSec: (k * T) / 1000, timeoutSec: 5 }), 20_000)).report;
      expect(failures(closed)).toEqual(NO_FAILURES);
      expect(closed.requests).toBeGreaterThan(10 * C * (k + 1));
      // The stalls happened during the closed loop too: a few requests waited through one...
      expect(closed.latencyMs.max).toBeGreaterThanOrEqual(S / 2);
      // ...but too few to reach the p90 that the open loop puts at ~280 ms.
      expect(closed.latencyMs.p90).toBeLessThan(S / 4);
    } finally {
      await server.stop();
    }
  }, 40_000);
});

describe('a mix of requests', () => {
  /** Serves /fast at once, /slow after SLOW_MS and /bad with a 500, and records each connection's paths in order. */
  async function mixServer(): Promise<{ port: number; paths: Map<Socket, string[]> }> {
    const paths = new Map<Socket, string[]>();
    const port = await httpServer((req, res) => {
      const seen = paths.get(req.socket) ?? [];
      seen.push(req.url ?? '');
      paths.set(req.socket, seen);
      if (req.url === '/slow') setTimeout(() => res.end('slow'), SLOW_MS);
      else if (req.url === '/bad') {
        res.statusCode = 500;
        res.end('bad');
      } else res.end('fast');
    });
    return { port, paths };
  }
  const SLOW_MS = 25;
  const MIX = [
    { method: 'GET', path: '/fast', weight: 6 },
    { method: 'GET', path: '/slow', weight: 3, label: 'slow one' },
    { method: 'GET', path: '/bad', weight: 1 },
  ];

  it('draws each request by weight, and reports count, non-2xx and latency per request of the mix', async () => {
    const { port, paths } = await mixServer();
    const { report } = await run(options(port, { mix: MIX, connections: 4, pipelining: 4, durationSec: 0.8 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.routes.map((r) => r.label)).toEqual(['GET /fast', 'slow one', 'GET /bad']);
    const [fast, slow, bad] = report.routes as [RouteSample, RouteSample, RouteSample];
    expect(fast.requests + slow.requests + bad.requests).toBe(report.requests);
    // Only /bad answers 500, and every one of them is counted against it.
    expect([fast.non2xx, slow.non2xx, bad.non2xx]).toEqual([0, 0, bad.requests]);
    // The run's own count covers warm-up and drain as well; the route's, the window.
    expect(report.non2xx).toBeGreaterThanOrEqual(bad.non2xx);
    // The server saw the weights: 60%, 30% and 10% of what it was sent, within a few standard errors.
    const sent = [...paths.values()].flat();
    for (const [path, share] of [
      ['/fast', 0.6],
      ['/slow', 0.3],
      ['/bad', 0.1],
    ] as const) {
      const got = sent.filter((p) => p === path).length / sent.length;
      expect(Math.abs(got - share), path).toBeLessThan(4 * Math.sqrt((share * (1 - share)) / sent.length) + 0.01);
    }
    // A slow request answers no sooner than its delay; a quick one is held back only by those before it on its connection.
    expect(slow.latencyMs.p50).toBeGreaterThanOrEqual(SLOW_MS - 1);
    expect(fast.latencyMs.p50).toBeLessThan(slow.latencyMs.p50);
    expect(report.latencyMs.max).toBe(Math.max(fast.latencyMs.max, slow.latencyMs.max, bad.latencyMs.max));
  });

  it('repeats the same draws on every connection for the same seed, and others for another seed', async () => {
    const sequences = async (seed: number) => {
      const { port, paths } = await mixServer();
      await run(options(port, { mix: MIX, connections: 3, requests: 150, seed }));
      // Connections connect in any order, and how many requests each sends depends on timing:
      // compare each one's first 10 (every connection sends about 50).
      return [...paths.values()].map((p) => p.slice(0, 10).join(' ')).sort();
    };
    const a = await sequences(7);
    expect(a).toHaveLength(3);
    expect(a.every((s) => s.split(' ').length === 10)).toBe(true);
    // Each connection draws a sequence of its own.
    expect(new Set(a).size).toBe(3);
    expect(await sequences(7)).toEqual(a);
    expect(await sequences(8)).not.toEqual(a);
  });

  it('in a segment, each connection draws what it draws in the whole run: its number, not its place, seeds it', async () => {
    const sequences = async (segment?: string) => {
      const { port, paths } = await mixServer();
      await run(options(port, { mix: MIX, connections: 4, requests: 160, seed: 7, ...(segment === undefined ? {} : { segment: parseSegment(segment) }) }));
      return [...paths.values()].map((p) => p.slice(0, 10).join(' ')).sort();
    };
    const whole = await sequences();
    const halves = [...(await sequences('0:1/2')), ...(await sequences('1/2:1'))].sort();
    expect(whole).toHaveLength(4);
    expect(halves).toEqual(whole);
  });

  it('in a segment, sends its share of a request count, and of an open loop’s rate', async () => {
    const { port } = await mixServer();
    const counts = await Promise.all(
      ['0:1/3', '1/3:1'].map(async (segment) => (await run(options(port, { connections: 3, requests: 100, segment: parseSegment(segment) }))).report.requests),
    );
    // floor(100 / 3) = 33, then 100 - 33.
    expect(counts).toEqual([33, 67]);
    const open = await Promise.all(
      ['0:1/4', '1/4:1'].map(
        async (segment) => (await run(options(port, { connections: 4, rate: 400, durationSec: 1, segment: parseSegment(segment) }))).report.openLoop,
      ),
    );
    expect(open.map((o) => o?.offeredRps)).toEqual([100, 300]);
    // Due in the window: about rate × share × 1 s each, and 400 together.
    expect(Math.abs((open[0]?.due ?? 0) - 100)).toBeLessThanOrEqual(5);
    expect(Math.abs((open[0]?.due ?? 0) + (open[1]?.due ?? 0) - 400)).toBeLessThanOrEqual(8);
  });

  it('refuses a segment that holds none of the connections, before it connects', () => {
    expect(() => runLoad(options(1, { connections: 2, segment: parseSegment('0:1/4') }))).toThrow(/holds none of them/);
    // With a request count and no duration, a segment with none of the requests would wait for ever.
    expect(() => runLoad(options(1, { connections: 4, requests: 3, durationSec: undefined, segment: parseSegment('0:1/4') }))).toThrow(
      /of 3 requests holds none/,
    );
  });

  it('draws open loop too, per request sent', async () => {
    const { port } = await mixServer();
    const { report } = await run(options(port, { mix: MIX, connections: 8, rate: 400, durationSec: 0.5 }));
    expect(failures(report)).toEqual(NO_FAILURES);
    expect(report.routes.reduce((n, r) => n + r.requests, 0)).toBe(report.requests);
    expect(report.routes.every((r) => r.requests > 0)).toBe(true);
  });

  it('reports a single request as the one route, with the run’s own figures', async () => {
    const port = await httpServer((_req, res) => res.end(HELLO));
    const { report } = await run(options(port, { path: '/p' }));
    expect(report.routes).toEqual([{ label: 'GET /p', requests: report.requests, non2xx: 0, latencyMs: report.latencyMs }]);
  });

  it('refuses a mix it cannot run: no requests, a weight of 0, HEAD beside other methods', () => {
    const o = options(1);
    expect(() => runLoad({ ...o, mix: [] })).toThrow(/at least one request/);
    expect(() => runLoad({ ...o, mix: [{ method: 'GET', path: '/', weight: 0 }] })).toThrow(/weight/);
    expect(() =>
      runLoad({
        ...o,
        mix: [
          { method: 'HEAD', path: '/', weight: 1 },
          { method: 'GET', path: '/', weight: 1 },
        ],
      }),
    ).toThrow(/HEAD/);
  });
});
