// A reader for llhttp's markdown test cases (test/request/*.md in the llhttp repository, read
// from a directory given on the command line; none of them is kept here). Each case is a
// heading, an HTML comment `<!-- meta={...} -->`, an ```http block with the raw input, and a
// ```log block with the events llhttp must report, ending in `error code=N reason="..."` when it
// refuses. The input follows llhttp's conventions: newlines become CRLF, a trailing newline is
// dropped, a backslash before a newline joins the lines, and \r \n \t \f \xHH and octal escapes
// stand for their bytes.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the log block says of the input's first request. */
export type ExpectedVerdict = { verdict: 'accept' } | { verdict: 'reject'; code: number; reason: string } | { verdict: 'wait' };

/** One test case of a markdown file. */
export interface MdCase {
  readonly file: string;
  /** The line of the ```http block (1-based). */
  readonly line: number;
  /** The heading above it. */
  readonly name: string;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly input: Buffer;
  readonly expected: ExpectedVerdict;
  /** Why the input could not be read as llhttp would (an unsupported `${...}` expression); undefined when it could. */
  readonly unreadable?: string;
}

/** llhttp's pause codes: the parser stopped on request of a callback, not because of the input. */
const PAUSE_CODES = new Set([21, 22, 23]);

/** The raw bytes of an ```http block's text, by llhttp's conventions. */
export function decodeInput(block: string): Buffer {
  let s = block.replace(/\n$/, '');
  s = s.replace(/\\(\r\n|\r|\n)/g, '');
  s = s.replace(/\r\n|\r|\n/g, '\r\n');
  s = s.replace(/\\r/g, '\r');
  s = s.replace(/\\n/g, '\n');
  s = s.replace(/\\t/g, '\t');
  s = s.replace(/\\f/g, '\f');
  s = s.replace(/\\x([0-9a-fA-F]+)/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  s = s.replace(/\\([0-7]{1,3})/g, (_, digits: string) => String.fromCharCode(Number.parseInt(digits, 8)));
  return Buffer.from(s, 'latin1');
}

/** What a ```log block says of the first request: complete, refused (not a pause), or neither. */
export function expectedVerdict(log: string): ExpectedVerdict {
  for (const line of log.split('\n')) {
    if (/^off=\d+ message complete$/.test(line.trim())) return { verdict: 'accept' };
    const m = /^off=\d+ error code=(\d+) reason="(.*)"$/.exec(line.trim());
    if (m !== null && !PAUSE_CODES.has(Number(m[1]))) return { verdict: 'reject', code: Number(m[1]), reason: m[2] ?? '' };
  }
  return { verdict: 'wait' };
}

/** The cases of one markdown file. */
export function parseMdCases(markdown: string, file: string): MdCase[] {
  const lines = markdown.split(/\r?\n/);
  const cases: MdCase[] = [];
  let name = '';
  let meta: Record<string, unknown> | null = null;
  let pending: { line: number; text: string; meta: Record<string, unknown> } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const heading = /^#+\s+(.*)$/.exec(line);
    if (heading !== null) {
      name = (heading[1] ?? '').trim();
      meta = null;
      pending = null;
      continue;
    }
    const m = /^<!--\s*meta=(\{.*\})\s*-->\s*$/.exec(line);
    if (m !== null) {
      meta = JSON.parse(m[1] ?? '{}') as Record<string, unknown>;
      continue;
    }
    const fence = /^```(\w*)\s*$/.exec(line);
    if (fence === null) continue;
    const kind = fence[1] ?? '';
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] as string)) end++;
    const text = lines.slice(start, end).join('\n') + (end > start ? '\n' : '');
    i = end;
    if (kind === 'http') {
      pending = { line: start, text, meta: meta ?? {} };
      meta = null;
    } else if (kind === 'log' && pending !== null) {
      const unreadable = /\$\{.+?\}/.test(pending.text) ? 'a JavaScript expression to evaluate (not done here)' : undefined;
      cases.push({
        file,
        line: pending.line,
        name,
        meta: pending.meta,
        input: decodeInput(pending.text),
        expected: expectedVerdict(text),
        ...(unreadable === undefined ? {} : { unreadable }),
      });
      pending = null;
    }
  }
  return cases;
}

/** The cases of every *.md file in `dir`, files in name order. */
export function readMdCases(dir: string): MdCase[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort();
  return files.flatMap((f) => parseMdCases(readFileSync(join(dir, f), 'utf8'), f));
}

/**
 * Why a case is not a strict request case to replay, or null when it is: a request (`type`
 * exactly `request`: no lenient flags, no `finish`), parsed without options that change what the
 * parser does with the bytes (`skipBody` skips a body the input holds; a pause only stops and
 * resumes callbacks, so paused cases are kept).
 */
export function notStrictRequest(c: MdCase): string | null {
  if (c.meta.type !== 'request') return `type ${String(c.meta.type)}`;
  if (c.meta.skipBody === true) return 'skipBody';
  if (c.unreadable !== undefined) return c.unreadable;
  return null;
}
