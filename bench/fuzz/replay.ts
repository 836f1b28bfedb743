// `npm run fuzz -- --llhttp-cases DIR`: llhttp's own strict request cases, replayed. Each input
// goes to our parser and to Node's llhttp in this process, and to a real single-loop server over
// a socket on 127.0.0.1 (which must answer as our parser decided); the verdicts are compared and
// every difference is matched to the deliberate table.

import { connect } from 'node:net';
import type { OurResult } from '../../servers/core/llhttp-differences.js';
import { PARSE_ERRORS, type ParseErrorCode } from '../../servers/core/parse-error.js';
import { singleLoop } from '../../servers/variants/single-loop.js';
import { classify, compareRuns, describeResult, label } from './diff.js';
import { Llhttp, llhttpResultAt } from './llhttp.js';
import { type MdCase, notStrictRequest, readMdCases } from './md-cases.js';
import { escapeBytes } from './minimize.js';
import { type OurRun, ourResultAt, runOurs } from './ours.js';

/** What the server's first answer (1xx aside) says of the first request: accepted, refused by a parser rule, or cut short. */
export type ServerVerdict =
  | { verdict: 'accept'; status: number }
  | { verdict: 'reject'; status: number; code: ParseErrorCode }
  | { verdict: 'wait' }
  | { verdict: 'none'; why: string };

const BY_REASON = new Map(Object.entries(PARSE_ERRORS).map(([code, e]) => [`${e.status} ${e.reason}\n`, code as ParseErrorCode]));

/** Reads the first final response out of the bytes a server sent. */
export function serverVerdict(bytes: Buffer): ServerVerdict {
  let text = bytes.toString('latin1');
  for (;;) {
    const headEnd = text.indexOf('\r\n\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
    if (m === null || headEnd === -1) return { verdict: 'none', why: text === '' ? 'no answer' : `not a response: ${JSON.stringify(text.slice(0, 60))}` };
    const status = Number(m[1]);
    const head = text.slice(0, headEnd);
    const rest = text.slice(headEnd + 4);
    if (status >= 100 && status < 200) {
      text = rest;
      continue;
    }
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const body = length === null ? rest : rest.slice(0, Number(length[1]));
    if (status === 400 && body === 'incomplete request\n') return { verdict: 'wait' };
    const code = BY_REASON.get(`${status} ${body}`);
    return code === undefined ? { verdict: 'accept', status } : { verdict: 'reject', status, code };
  }
}

/** Sends `input`, half-closes, and reads everything the server answers until it closes. */
export function exchange(port: number, input: Buffer, timeoutMs = 5_000): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('close', done);
    socket.on('error', done); // a reset after the server refused: what it wrote before still counts
    socket.end(input);
  });
}

/** Whether the server answered as our parser decided. */
function sameAsServer(ours: OurResult, server: ServerVerdict): boolean {
  if (ours.verdict === 'reject') return server.verdict === 'reject' && server.code === ours.code;
  return ours.verdict === server.verdict;
}

function serverLabel(s: ServerVerdict): string {
  if (s.verdict === 'accept') return `accept (${s.status})`;
  if (s.verdict === 'reject') return `${s.status} ${s.code}`;
  return s.verdict === 'none' ? `no verdict: ${s.why}` : 'wait';
}

const where = (c: MdCase) => `${c.file}:${c.line} "${c.name}"`;
const UNDOCUMENTED = 'NONE (undocumented)';

/** What the replay found, as report lines. */
interface Found {
  looser: string[];
  stricter: string[];
  other: string[];
  waits: string[];
  serverMismatches: string[];
  expectedMismatches: string[];
  /** Differences no deliberate entry explains. */
  unmatched: number;
}

/** The input with `Host: a` after each HTTP/1.1 request line that has no Host right after it. */
export function addHost(input: Buffer): Buffer {
  const text = input.toString('latin1').replace(/(^|\r\n)([!-~]+ [!-~]+ HTTP\/1\.1\r\n)(?![Hh][Oo][Ss][Tt]:)/g, '$1$2Host: a\r\n');
  return Buffer.from(text, 'latin1');
}

/** Replays one input: our parser, llhttp, and the server over a socket; adds what differs to `found`. Returns how our parser ended. */
async function replayOne(c: MdCase, input: Buffer, tag: string, port: number, llhttp: Llhttp, found: Found): Promise<OurRun['end']> {
  const at = `${where(c)}${tag}`;
  const ours = runOurs(input);
  const ll = llhttp.run(input);
  const o0 = ourResultAt(ours, 0);
  const l0 = llhttpResultAt(ll, 0);
  const answered = serverVerdict(await exchange(port, input));
  if (!sameAsServer(o0, answered)) found.serverMismatches.push(`${at}: parser ${label(o0)}, server ${serverLabel(answered)}`);
  if (tag === '' && c.expected.verdict !== l0.verdict) {
    const expected = c.expected.verdict === 'reject' ? `reject (${c.expected.reason})` : c.expected.verdict;
    found.expectedMismatches.push(`${at}: the case expects ${expected}, Node's llhttp says ${label(l0)}`);
  }
  const comparison = compareRuns(ours, ll);
  const d = comparison.difference;
  if (d === null) {
    if (comparison.refusedVsWaiting !== null) found.waits.push(`${at}: ${comparison.refusedVsWaiting}`);
    return ours.end;
  }
  const line = `${at}, request ${d.index + 1}\n      input: ${escapeBytes(input)}\n      ours: ${describeResult(d.ours)}\n      llhttp: ${describeResult(d.llhttp)}`;
  const entry = classify(input, d);
  const matched = `deliberate: ${entry === undefined ? UNDOCUMENTED : entry.name}`;
  if (d.ours.verdict === 'accept' && d.llhttp.verdict !== 'accept') found.looser.push(line);
  else {
    if (entry === undefined) found.unmatched++;
    if (d.ours.verdict !== 'accept') found.stricter.push(`${line}\n      ${matched}`);
    else found.other.push(`${line}\n      ${d.signature}; ${matched}`);
  }
  return ours.end;
}

/** Replays the strict request cases in `dir`; prints the report, and returns whether anything needs fixing. */
export async function replayLlhttpCases(dir: string): Promise<boolean> {
  const all = readMdCases(dir);
  const skipped = all.map((c) => [c, notStrictRequest(c)] as const).filter(([, why]) => why !== null);
  const cases = all.filter((c) => notStrictRequest(c) === null);
  const skippedWhy = new Map<string, number>();
  for (const [, why] of skipped) skippedWhy.set(why as string, (skippedWhy.get(why as string) ?? 0) + 1);
  console.log(`llhttp request cases in ${dir}: ${all.length} cases, ${cases.length} strict request cases replayed`);
  console.log(`  skipped: ${[...skippedWhy].map(([why, n]) => `${n} ${why}`).join(', ') || 'none'}`);
  console.log(
    `  Node ${process.version}, its llhttp ${process.versions.llhttp}, strict, in this process; our parser in this process and a single-loop server on 127.0.0.1\n`,
  );

  const server = await singleLoop.start({ port: 0, host: '127.0.0.1' });
  const llhttp = new Llhttp();
  const found: Found = { looser: [], stricter: [], other: [], waits: [], serverMismatches: [], expectedMismatches: [], unmatched: 0 };
  let hostAdded = 0;
  try {
    for (const c of cases) {
      const end = await replayOne(c, c.input, '', server.port, llhttp, found);
      // Most of llhttp's cases send no Host, which we refuse before any other rule is reached:
      // replay those again with one, to compare the rest of what they test.
      if (end.verdict === 'reject' && end.code === 'host-missing') {
        const withHost = addHost(c.input);
        if (!withHost.equals(c.input)) {
          hostAdded++;
          await replayOne(c, withHost, ' [Host: a added]', server.port, llhttp, found);
        }
      }
    }
  } finally {
    await server.close(500);
  }
  if (hostAdded > 0)
    console.log(
      `${hostAdded} cases refused for their missing Host were replayed again with \`Host: a\` after each HTTP/1.1 request line, marked [Host: a added]\n`,
    );

  const section = (title: string, items: string[]) => {
    console.log(`${title}: ${items.length === 0 ? 'none' : items.length}`);
    for (const item of items) console.log(`  ${item}`);
    console.log('');
  };
  const matched = found.stricter.filter((s) => !s.endsWith(UNDOCUMENTED)).length;
  section('(a) we accept what llhttp rejects', found.looser);
  section(`(b) we reject what llhttp accepts (${matched} matched to a deliberate entry)`, found.stricter);
  section('(c) both accept, but not alike', found.other);
  section('one refuses while the other waits for more bytes (not a difference: both refuse once the input ends)', found.waits);
  section('our parser and the single-loop server over a socket disagree', found.serverMismatches);
  section(
    `Node's llhttp ${process.versions.llhttp} and the cases' expected verdicts disagree (the cases may be for another llhttp version)`,
    found.expectedMismatches,
  );
  return found.looser.length > 0 || found.unmatched > 0 || found.serverMismatches.length > 0;
}
