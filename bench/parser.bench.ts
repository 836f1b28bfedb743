// npm run bench:parser — the scratch parser against Node's own llhttp, side by side in one process.
//
// Both parsers are kept alive across iterations (as on a keep-alive connection) and fed the same
// bytes. llhttp hands JavaScript the method, URL and every header as strings; the scratch parser
// makes the method and target strings and keeps headers as offsets until asked. So there are two
// scratch rows: as a router uses it (lazy headers), and with every header turned into strings.

import { createRequire } from 'node:module';
import { Bench } from 'tinybench';
import { RequestParser } from '../servers/core/parser.js';
import { positiveIntFromEnv } from './lib/env.js';
import { summarize } from './stats.js';

const require = createRequire(import.meta.url);
/** The part of node:http's llhttp binding this benchmark drives (the module ships no types). */
interface LlhttpParser {
  initialize(type: number, resource: object): void;
  execute(input: Buffer): number | Error;
  [callback: number]: (...args: never[]) => void;
}
const { HTTPParser } = require('node:_http_common') as {
  HTTPParser: {
    new (): LlhttpParser;
    REQUEST: number;
    kOnHeaders: number;
    kOnHeadersComplete: number;
    kOnBody: number;
    kOnMessageComplete: number;
    kOnExecute: number;
  };
};

/** Each benchmark iteration parses the input this many times, so timer overhead stays small. */
const REPEAT = 64;

const browserGet =
  'GET /assets/app.js?v=8f3a1c HTTP/1.1\r\n' +
  'Host: www.example.com\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n' +
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n' +
  'Accept-Language: en-GB,en;q=0.9\r\n' +
  'Accept-Encoding: gzip, deflate, br\r\n' +
  'Referer: https://www.example.com/index.html\r\n' +
  'Cookie: session=4f1c2a9b8e7d6c5b; theme=dark; consent=yes\r\n' +
  'Connection: keep-alive\r\n' +
  'Cache-Control: max-age=0\r\n' +
  'Sec-Fetch-Mode: navigate\r\n' +
  'Upgrade-Insecure-Requests: 1\r\n\r\n';

const plaintext =
  'GET /plaintext HTTP/1.1\r\nHost: localhost\r\n' +
  'Accept: text/plain,text/html;q=0.9,application/xhtml+xml;q=0.9,application/xml;q=0.8,*/*;q=0.7\r\n' +
  'Connection: keep-alive\r\n\r\n';

const chunk = 'x'.repeat(1024);
const chunkedPost =
  'POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n' +
  `400\r\n${chunk}\r\n`.repeat(4) +
  '0\r\n\r\n';

interface Shape {
  name: string;
  /** The bytes as they arrive: one read each, in order. */
  pieces: Buffer[];
  /** Their total length. */
  bytes: number;
  requests: number;
}

function shape(name: string, text: string, requests: number, cuts: number[] = []): Shape {
  const all = Buffer.from(text, 'latin1');
  const at = [0, ...cuts, all.length];
  return { name, pieces: at.slice(1).map((end, i) => all.subarray(at[i], end)), bytes: all.length, requests };
}

const shapes: Shape[] = [
  shape('minimal GET', 'GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n', 1),
  shape('browser-like GET', browserGet, 1),
  // The same head in two reads, as when it crosses a segment boundary: the resumable path.
  shape('browser-like GET, 2 reads', browserGet, 1, [300]),
  shape('16 pipelined plaintext', plaintext.repeat(16), 16),
  shape('chunked POST 4 KiB', chunkedPost, 1),
];

/** The scratch parser; returns how many requests it completed. */
function scratch(materializeHeaders: boolean, fastPath = true) {
  const parser = new RequestParser({}, { fastPath });
  let sink = 0;
  return (pieces: readonly Buffer[]): number => {
    let n = 0;
    for (const input of pieces) {
      parser.feed(input);
      for (;;) {
        const ev = parser.next();
        if (ev.kind === 'need-more') break;
        if (ev.kind !== 'request') throw new Error(`scratch parser: ${ev.kind === 'error' ? ev.reason : ev.kind}`);
        sink += ev.method.length + ev.target.length + ev.body.length;
        if (materializeHeaders) sink += ev.headers.entries().length;
        n++;
      }
    }
    if (sink === -1) throw new Error('unreachable');
    return n;
  };
}

/** Node's llhttp through the binding node:http itself uses. */
function llhttp() {
  const parser = new HTTPParser();
  parser.initialize(HTTPParser.REQUEST, {});
  let n = 0;
  let sink = 0;
  parser[HTTPParser.kOnHeaders] = (headers: string[], url: string) => {
    sink += headers.length + url.length;
  };
  parser[HTTPParser.kOnHeadersComplete] = (_major: number, _minor: number, headers: string[], method: number, url: string) => {
    sink += headers.length + method + url.length;
  };
  parser[HTTPParser.kOnBody] = (b: Buffer) => {
    sink += b.length;
  };
  parser[HTTPParser.kOnMessageComplete] = () => {
    n++;
  };
  parser[HTTPParser.kOnExecute] = () => {};
  return (pieces: readonly Buffer[]): number => {
    n = 0;
    for (const input of pieces) {
      const r = parser.execute(input);
      if (r instanceof Error) throw r;
    }
    if (sink === -1) throw new Error('unreachable');
    return n;
  };
}

const contenders = [
  { name: 'scratch', make: () => scratch(false) },
  { name: 'scratch+headers', make: () => scratch(true) },
  // Every head through the resumable scanner alone: what the one-pass fast path gains.
  { name: 'scratch-resumable', make: () => scratch(false, false) },
  { name: 'llhttp', make: llhttp },
] as const;

/** One measured round: each contender's requests/s on one shape. */
type Round = Record<string, number>;

/**
 * Runs the contenders on one shape in `rounds` short rounds, the order rotated every round, so
 * that a burst of noise on this shared machine falls on all of them rather than on whichever ran
 * at the time. The ratio is taken within each round, then its median reported.
 */
async function measure(shape: Shape, rounds: number, timeMs: number): Promise<Round[]> {
  const parsers = contenders.map((c) => {
    const parse = c.make();
    // Verify before measuring: every contender must see every request of the input.
    const seen = parse(shape.pieces);
    if (seen !== shape.requests) throw new Error(`${c.name} parsed ${seen} of ${shape.requests} requests in "${shape.name}"`);
    return { name: c.name, parse };
  });
  const out: Round[] = [];
  for (let r = 0; r < rounds; r++) {
    const bench = new Bench({ time: timeMs, warmupTime: r === 0 ? 200 : 20 });
    for (let k = 0; k < parsers.length; k++) {
      const { name, parse } = parsers[(k + r) % parsers.length]!;
      bench.add(name, () => {
        for (let i = 0; i < REPEAT; i++) parse(shape.pieces);
      });
    }
    await bench.run();
    const round: Round = {};
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`${task.name} on ${shape.name}: ${result.state}`);
      round[task.name] = (1000 / result.period) * REPEAT * shape.requests;
    }
    out.push(round);
  }
  return out;
}

/**
 * Runs every parser on every shape before any is measured. V8 optimizes for what it has seen: a
 * parser measured on its first shape would run code specialized for that shape alone, and every
 * later shape code that has seen a mix, so the order of the shapes would change the ratios
 * (measured: the chunked POST went from 1.8x to 2.8x by moving it first). A server sees all of
 * them; so, here, does the parser before the clock starts.
 */
function warmUp(): void {
  for (let pass = 0; pass < 3; pass++) {
    for (const shape of shapes) {
      for (const c of contenders) {
        const parse = c.make();
        for (let i = 0; i < 2_000; i++) parse(shape.pieces);
      }
    }
  }
}

async function main(): Promise<void> {
  const rounds = positiveIntFromEnv('BENCH_ROUNDS', 10);
  const timeMs = positiveIntFromEnv('BENCH_TIME_MS', 2_000);
  const perRound = Math.max(50, Math.round(timeMs / rounds));
  console.log(
    `parser benchmark: Node ${process.version}, ${REPEAT} inputs per iteration; ${rounds} rounds of ${perRound} ms per parser and shape, ` +
      `the order rotated each round, after every parser has parsed every shape; medians over the rounds\n`,
  );
  warmUp();
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`${'shape'.padEnd(26)} ${'parser'.padEnd(18)} ${'requests/s'.padStart(12)} ${'MB/s'.padStart(8)}`);
  const ratios: string[] = [];
  for (const shape of shapes) {
    const measured = await measure(shape, rounds, perRound);
    for (const c of contenders) {
      const reqPerSec = summarize(measured.map((r) => r[c.name]!)).median;
      const mbPerSec = ((reqPerSec / shape.requests) * shape.bytes) / 1e6;
      console.log(`${shape.name.padEnd(26)} ${c.name.padEnd(18)} ${fmt(reqPerSec).padStart(12)} ${mbPerSec.toFixed(0).padStart(8)}`);
    }
    const ratio = (name: string, over = 'llhttp') => {
      const each = summarize(measured.map((r) => r[name]! / r[over]!));
      return `${each.median.toFixed(2)}x (${each.min.toFixed(2)}-${each.max.toFixed(2)})`;
    };
    ratios.push(
      `${`${shape.name} (${shape.bytes} B)`.padEnd(36)} ratio scratch/llhttp ${ratio('scratch')}, scratch+headers/llhttp ${ratio('scratch+headers')}, ` +
        `fast path scratch/scratch-resumable ${ratio('scratch', 'scratch-resumable')}`,
    );
  }
  console.log(`\nratios: median of the per-round ratios (lowest-highest round)`);
  for (const line of ratios) console.log(line);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
