// node dist/bench/micro/parser-loop.js SHAPE N [resumable]: parses one shape of bench:parser N times
// and nothing else, for counting instructions where timings are too noisy:
//
//   valgrind --tool=callgrind --callgrind-out-file=/dev/null node --single-threaded dist/bench/micro/parser-loop.js minimal 300000
//
// Callgrind counts instructions, which repeat within a fraction of a percent from run to run
// whatever else the machine is doing. Two counts at different N cancel start-up: (count at
// 300000 - count at 100000) / 200000 is the cost of one pass over the shape. `resumable` sends
// every head through the resumable scanner alone (fastPath: false).

import { RequestParser } from '../../servers/core/parser.js';
import { shapes } from './parser-shapes.js';

const [name = '', count = '', mode] = process.argv.slice(2);
const shape = shapes.find((s) => s.name.startsWith(name));
const n = Number(count);
if (name === '' || shape === undefined || !Number.isInteger(n) || n < 1 || (mode !== undefined && mode !== 'resumable')) {
  process.stderr.write(`usage: parser-loop.js SHAPE N [resumable]  (SHAPE: the start of one of ${shapes.map((s) => `"${s.name}"`).join(', ')})\n`);
  process.exit(2);
}
const parser = new RequestParser({}, { fastPath: mode !== 'resumable' });
let requests = 0;
for (let i = 0; i < n; i++) {
  for (const piece of shape.pieces) {
    parser.feed(piece);
    for (let ev = parser.next(); ev.kind !== 'need-more'; ev = parser.next()) {
      if (ev.kind !== 'request') throw new Error(`${shape.name}: ${ev.kind === 'error' ? ev.reason : ev.kind}`);
      requests++;
    }
  }
}
process.stdout.write(`${shape.name}: ${requests} requests\n`);
