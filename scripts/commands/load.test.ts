import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CBENCH } from '../../shared/built.js';
import { runCbench } from '../test-support/cbench-process.js';

let server: Server | undefined;

afterEach(async () => {
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise((r) => server?.close(r));
    server = undefined;
  }
});

const cbench = (args: string[]) => runCbench(args).closed;

/** An HTTP server in this process that counts what it was sent. */
async function countingServer(): Promise<{ origin: string; seen: { requests: number; methods: Set<string>; headers: Set<string>; bodyBytes: number } }> {
  const seen = { requests: 0, methods: new Set<string>(), headers: new Set<string>(), bodyBytes: 0 };
  server = createServer((req, res) => {
    seen.requests++;
    seen.methods.add(req.method ?? '');
    const h = req.headers['x-probe'];
    if (typeof h === 'string') seen.headers.add(h);
    req.on('data', (d: Buffer) => (seen.bodyBytes += d.length));
    req.on('end', () => {
      if (req.url === '/missing') res.statusCode = 404;
      res.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('cbench load', () => {
  it('prints one JSON object with the figures a script needs, for exactly --requests responses', async () => {
    const { origin, seen } = await countingServer();
    const r = await cbench(['load', `${origin}/x`, '-c', '3', '-n', '300', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & {
      latencyMs: { p50: number; p99: number; max: number };
      fairness: { jain: number };
      firstResponseMs: { failed: number };
    };
    expect(out.requests).toBe(300);
    // and the three warm-up requests, one per connection before the clock
    expect(seen.requests).toBe(303);
    expect(out.errors).toBe(0);
    expect(Object.keys(out.latencyMs).sort()).toEqual(['max', 'mean', 'p50', 'p90', 'p99', 'p99_9', 'p99_99']);
    expect(out.latencyMs.p50).toBeGreaterThan(0);
    expect(out.latencyMs.p99).toBeLessThanOrEqual(out.latencyMs.max);
    expect(out.fairness.jain).toBeGreaterThan(0);
    expect(out.firstResponseMs.failed).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('writes each segment’s sample, which cbench merge makes into the whole run, and refuses samples that do not make one', async () => {
    const { origin } = await countingServer();
    const dir = mkdtempSync(join(tmpdir(), 'cbench-merge-'));
    try {
      const file = (name: string) => join(dir, name);
      for (const [segment, name] of [
        ['0:1/4', 'a.json'],
        ['1/4:1', 'b.json'],
        ['0:1/2', 'c.json'],
      ] as const) {
        const r = await cbench(['load', `${origin}/x`, '-c', '4', '-n', '400', '--segment', segment, '--sample', file(name), '--json']);
        expect(r.code, r.stderr).toBe(0);
      }
      const merged = await cbench(['merge', file('b.json'), file('a.json'), '--json']);
      expect(merged.code, merged.stderr).toBe(0);
      const out = JSON.parse(merged.stdout) as { requests: number; connections: number; errors: number; fairness: { jain: number }; segments: number };
      expect([out.requests, out.connections, out.errors, out.segments]).toEqual([400, 4, 0, 2]);
      const table = await cbench(['merge', file('a.json'), file('b.json')]);
      expect(table.stdout).toMatch(/^merged 2 segments: 0\/1–1\/4 .*, 1\/4–1\/1 /);
      // A segment missing, one twice, and a file that is no sample.
      const missing = await cbench(['merge', file('a.json')]);
      expect([missing.code, missing.stderr.split('\n')[0]]).toEqual([2, 'error: no sample covers 1/4:1 of the run: the segments do not make up the whole']);
      const twice = await cbench(['merge', file('a.json'), file('c.json'), file('b.json')]);
      expect(twice.code).toBe(2);
      expect(twice.stderr).toMatch(/overlaps another sample's segment/);
      writeFileSync(file('x.json'), '{}');
      const notOne = await cbench(['merge', file('x.json')]);
      expect(notOne.code).toBe(1);
      expect(notOne.stderr).toMatch(/is not a sample of cbench load --sample/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs in worker threads, each a segment, and prints the figures merged', async () => {
    const { origin, seen } = await countingServer();
    const r = await cbench(['load', `${origin}/x`, '-c', '4', '-n', '400', '--threads', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { requests: number; threads: number; perThread: number[]; connections: number };
    expect([out.requests, out.threads, out.perThread, out.connections]).toEqual([400, 2, [200, 200], 4]);
    expect(seen.requests).toBe(404);
  });

  it('runs one segment of a run: its connections and its share of --requests, which the others’ shares make whole', async () => {
    const { origin, seen } = await countingServer();
    const parts = [];
    for (const segment of ['0:1/3', '1/3:1']) {
      const r = await cbench(['load', `${origin}/x`, '-c', '3', '-n', '300', '--segment', segment, '--json']);
      expect(r.code, r.stderr).toBe(0);
      parts.push(JSON.parse(r.stdout) as { requests: number; segment: unknown });
    }
    expect(parts.map((p) => p.requests)).toEqual([100, 200]);
    expect(parts[0]?.segment).toEqual({ from: { num: 0, den: 1 }, to: { num: 1, den: 3 } });
    // And one warm-up request on each of the three connections, one in the first segment, two in the second.
    expect(seen.requests).toBe(303);
  });

  it('sends the method, headers and body it is given, and counts non-2xx answers', async () => {
    const { origin, seen } = await countingServer();
    const body = `${CBENCH}`; // any file will do: the CLI itself
    const r = await cbench(['load', `${origin}/missing`, '-c', '1', '-n', '20', '-m', 'put', '-H', 'X-Probe: yes', '-b', body, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { non2xx: number };
    // every response counts, the warm-up one too
    expect(out.non2xx).toBe(21);
    expect([...seen.methods]).toEqual(['PUT']);
    expect([...seen.headers]).toEqual(['yes']);
    expect(seen.bodyBytes).toBeGreaterThan(0);
  });

  it('prints a summary table, and exits 1 when no request completed (nothing listens)', async () => {
    const { origin } = await countingServer();
    const ok = await cbench(['load', `${origin}/`, '-c', '2', '-d', '0.3']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/latency \(ms\)\s+p50\s+p90\s+p99\s+p99\.9\s+p99\.99\s+max/);
    expect(ok.stdout).toMatch(/fairness: Jain/);
    const port = Number(new URL(origin).port);
    server?.close();
    server = undefined;
    const refused = await cbench(['load', `http://127.0.0.1:${port}/`, '-c', '2', '-d', '0.3', '--timeout', '1', '--json']);
    expect(refused.code).toBe(1);
    expect((JSON.parse(refused.stdout) as { errors: number }).errors).toBeGreaterThan(0);
    expect(refused.stderr).toContain('no request completed');
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['a URL that is not one', ['load', 'nowhere'], /not a URL/],
    ['https', ['load', 'https://127.0.0.1/'], /only http:\/\//],
    ['--duration with --requests', ['load', 'http://127.0.0.1:9/', '-d', '1', '-n', '5'], /cannot be used with/],
    ['a header without a colon', ['load', 'http://127.0.0.1:9/', '-H', 'nope'], /not a header/],
    ['zero connections', ['load', 'http://127.0.0.1:9/', '-c', '0'], /integer from 1/],
    ['a negative rate', ['load', 'http://127.0.0.1:9/', '--rate', '-5'], /--rate/],
    ['--arrivals without --rate', ['load', 'http://127.0.0.1:9/', '--arrivals', 'poisson'], /--arrivals needs --rate/],
    ['a body file that is missing', ['load', 'http://127.0.0.1:9/', '-b', '/nonexistent/file'], /cannot read --body/],
    ['a segment backwards', ['load', 'http://127.0.0.1:9/', '--segment', '3/4:1/4'], /needs 0 <= FROM < TO <= 1/],
    [
      'a segment with no connection in it',
      ['load', 'http://127.0.0.1:9/', '-c', '2', '--segment', '0:1/4'],
      /--segment 0:1\/4 would have none of the 2 connections/,
    ],
    [
      'more threads than connections',
      ['load', 'http://127.0.0.1:9/', '-c', '2', '--threads', '3'],
      /thread 1 of --threads 3 would have none of the 2 connections/,
    ],
    ['a thread with none of the requests', ['load', 'http://127.0.0.1:9/', '-c', '4', '-n', '3', '--threads', '4'], /would have none of the 3 requests/],
    [
      '49 threads over 49 connections, one each',
      ['load', 'http://127.0.0.1:9/', '-c', '49', '--threads', '49', '--segment', '0:0'],
      /needs 0 <= FROM < TO <= 1/,
    ],
  ];
  for (const [what, args, message] of bad) {
    it(`refuses ${what} with one line and the usage, exit 2`, async () => {
      const r = await cbench(args);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toMatch(message);
      expect(lines.at(-1)).toMatch(/^usage: cbench load <url> \[options\]|^usage: cbench load \[options\] <url>/);
      expect(r.stdout).toBe('');
    });
  }
});

describe('cbench load --threshold', () => {
  it('prints the pass/fail table and exits 99 when one fails, 0 when all hold; --json carries them', async () => {
    const { origin } = await countingServer();
    const failing = await cbench(['load', `${origin}/x`, '-c', '2', '-n', '200', '--threshold', 'errors==0', '--threshold', 'p99<0.0001ms']);
    expect(failing.code, failing.stderr).toBe(99);
    expect(failing.stdout).toMatch(/errors==0\s+load http:\/\/127\.0\.0\.1:\d+\/x\s+0\s+pass/);
    expect(failing.stdout).toMatch(/p99<0\.0001ms\s+load .*FAIL/);
    const holding = await cbench(['load', `${origin}/x`, '-c', '2', '-n', '200', '--threshold', '*:errors==0', '--threshold', 'rps>0', '--json']);
    expect(holding.code, holding.stderr).toBe(0);
    const out = JSON.parse(holding.stdout) as { thresholds: Array<{ expression: string; pass: boolean }> };
    expect(out.thresholds.map((t) => [t.expression, t.pass])).toEqual([
      ['*:errors==0', true],
      ['rps>0', true],
    ]);
  });

  for (const [expr, message] of [
    ['p99<<3', /is not \[SELECTOR:\]METRIC OP NUMBER/],
    ['json:p99<3ms', /cbench load measures one target, so no selector/],
  ] as const) {
    it(`refuses --threshold '${expr}' with one line and the usage, exit 2`, async () => {
      const r = await cbench(['load', 'http://127.0.0.1:9/', '--threshold', expr]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(message);
      expect(r.stdout).toBe('');
    });
  }
});
