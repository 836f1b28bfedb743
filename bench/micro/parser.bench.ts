// npm run bench:parser — the scratch parser against Node's own llhttp, side by side in one process.
//
// Both parsers are kept alive across iterations (as on a keep-alive connection) and fed the same
// bytes. llhttp hands JavaScript the method, URL and every header as strings; the scratch parser
// makes the method and target strings and keeps headers as offsets until asked. So there are
// scratch rows as a router uses it (lazy headers) and with every header turned into strings, and a
// third with every head through the resumable scanner alone, to show what the fast path gains.

import { createRequire } from 'node:module';
import { Bench } from 'tinybench';
import { RequestParser } from '../../servers/core/parser.js';
import { positiveIntFromEnv } from '../lib/env.js';
import { formatInt, formatTable } from '../lib/format.js';
import { summarize } from '../lib/stats.js';
import { type Shape, shapes } from './parser-shapes.js';

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
  const rows: string[][] = [['shape', 'parser', 'requests/s', 'MB/s']];
  const ratios: string[][] = [['shape', 'bytes', 'scratch/llhttp', 'scratch+headers/llhttp', 'fast path: scratch/scratch-resumable']];
  for (const shape of shapes) {
    process.stderr.write(`measuring ${shape.name}\n`);
    const measured = await measure(shape, rounds, perRound);
    for (const c of contenders) {
      const reqPerSec = summarize(measured.map((r) => r[c.name]!)).median;
      const mbPerSec = ((reqPerSec / shape.requests) * shape.bytes) / 1e6;
      rows.push([shape.name, c.name, formatInt(reqPerSec), mbPerSec.toFixed(0)]);
    }
    const ratio = (name: string, over = 'llhttp') => {
      const each = summarize(measured.map((r) => r[name]! / r[over]!));
      return `${each.median.toFixed(2)}x (${each.min.toFixed(2)}-${each.max.toFixed(2)})`;
    };
    ratios.push([shape.name, String(shape.bytes), ratio('scratch'), ratio('scratch+headers'), ratio('scratch', 'scratch-resumable')]);
  }
  console.log(formatTable(rows, (i) => i >= 2));
  console.log(`\nratios: median of the per-round ratios (lowest-highest round)`);
  console.log(formatTable(ratios, (i) => i >= 1));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
