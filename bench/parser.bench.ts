// npm run bench:parser — the scratch parser against Node's own llhttp, side by side in one process.
//
// Both parsers are kept alive across iterations (as on a keep-alive connection) and fed the same
// bytes. llhttp hands JavaScript the method, URL and every header as strings; the scratch parser
// makes the method and target strings and keeps headers as offsets until asked. So there are two
// scratch rows: as a router uses it (lazy headers), and with every header turned into strings.

import { createRequire } from 'node:module';
import { Bench } from 'tinybench';
import { RequestParser } from '../servers/core/parser.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Llhttp = any;
const { HTTPParser } = require('_http_common') as { HTTPParser: Llhttp };

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
  bytes: Buffer;
  requests: number;
}

const shapes: Shape[] = [
  { name: 'minimal GET', bytes: Buffer.from('GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n'), requests: 1 },
  { name: 'browser-like GET', bytes: Buffer.from(browserGet), requests: 1 },
  { name: '16 pipelined plaintext', bytes: Buffer.from(plaintext.repeat(16)), requests: 16 },
  { name: 'chunked POST 4 KiB', bytes: Buffer.from(chunkedPost), requests: 1 },
];

/** The scratch parser; returns how many requests it completed. */
function scratch(materializeHeaders: boolean) {
  const parser = new RequestParser();
  let sink = 0;
  return (input: Buffer): number => {
    let n = 0;
    parser.feed(input);
    for (;;) {
      const ev = parser.next();
      if (ev.kind === 'need-more') break;
      if (ev.kind !== 'request') throw new Error(`scratch parser: ${ev.kind === 'error' ? ev.reason : ev.kind}`);
      sink += ev.method.length + ev.target.length + ev.body.length;
      if (materializeHeaders) sink += ev.headers.entries().length;
      n++;
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
  return (input: Buffer): number => {
    n = 0;
    const r = parser.execute(input);
    if (r instanceof Error) throw r;
    if (sink === -1) throw new Error('unreachable');
    return n;
  };
}

const contenders = [
  { name: 'scratch', make: () => scratch(false) },
  { name: 'scratch+headers', make: () => scratch(true) },
  { name: 'llhttp', make: llhttp },
] as const;

async function main(): Promise<void> {
  const time = Number(process.env.BENCH_TIME_MS ?? 1_000);
  console.log(`parser benchmark: Node ${process.version}, ${REPEAT} inputs per iteration, ${time} ms per task\n`);
  const rows: Array<{ shape: string; contender: string; reqPerSec: number; mbPerSec: number }> = [];
  for (const shape of shapes) {
    const bench = new Bench({ time, warmupTime: 200 });
    for (const c of contenders) {
      const parse = c.make();
      // Verify before measuring: every contender must see every request of the input.
      const seen = parse(shape.bytes);
      if (seen !== shape.requests) throw new Error(`${c.name} parsed ${seen} of ${shape.requests} requests in "${shape.name}"`);
      bench.add(c.name, () => {
        for (let i = 0; i < REPEAT; i++) parse(shape.bytes);
      });
    }
    await bench.run();
    for (const task of bench.tasks) {
      const result = task.result;
      if (result.state !== 'completed') throw new Error(`${task.name} on ${shape.name}: ${result.state}`);
      const inputsPerSec = (1000 / result.period) * REPEAT;
      rows.push({ shape: shape.name, contender: task.name, reqPerSec: inputsPerSec * shape.requests, mbPerSec: (inputsPerSec * shape.bytes.length) / 1e6 });
    }
  }

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`${'shape'.padEnd(24)} ${'parser'.padEnd(16)} ${'requests/s'.padStart(12)} ${'MB/s'.padStart(8)}`);
  for (const r of rows) console.log(`${r.shape.padEnd(24)} ${r.contender.padEnd(16)} ${fmt(r.reqPerSec).padStart(12)} ${r.mbPerSec.toFixed(0).padStart(8)}`);
  console.log('');
  for (const shape of shapes) {
    const get = (name: string) => rows.find((r) => r.shape === shape.name && r.contender === name)?.reqPerSec ?? NaN;
    const base = get('llhttp');
    console.log(
      `${`${shape.name} (${shape.bytes.length} B)`.padEnd(34)} ratio scratch/llhttp ${(get('scratch') / base).toFixed(2)}x, scratch+headers/llhttp ${(get('scratch+headers') / base).toFixed(2)}x`,
    );
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
