// Mutations of generated requests: structural ones, which edit a request's parts where parsers
// are known to disagree (framing fields, chunk lines, versions, methods, whitespace, folding),
// and byte ones, which edit the serialized input blindly (flips, inserted CR / LF / NUL / SP /
// HTAB, deletions, duplications). Each is named, so a difference can be traced to what made it.

import { chunkExtension, chunksOf, type Dice, OTHER_KNOWN_METHODS, type RequestSpec } from './generate.js';
import { OTHER_PROTOCOL_METHODS } from './llhttp.js';

/** A structural mutation: edits one request in place. */
type StructuralMutator = (r: RequestSpec, d: Dice) => void;
/** A byte mutation: returns the edited input (latin1). */
type ByteMutator = (s: string, d: Dice) => string;

const CTL = ['\r', '\n', '\0', ' ', '\t', '\r\n'];

function findField(r: RequestSpec, lowerName: string): number {
  return r.fields.findIndex((f) => f.name.toLowerCase() === lowerName);
}

/** Sets the value of the first field named `name` (any case), adding the field if there is none. */
function setField(r: RequestSpec, d: Dice, name: string, value: string): void {
  const i = findField(r, name.toLowerCase());
  const field = r.fields[i];
  if (field !== undefined && d.chance(0.7)) field.value = value;
  else r.fields.splice(d.int(r.fields.length + 1), 0, { name, sep: ': ', value });
}

/** The body as chunked, whatever it was, so the chunk mutations have chunks to edit. */
function chunkedBody(r: RequestSpec, d: Dice): Extract<RequestSpec['body'], { kind: 'chunked' }> {
  if (r.body.kind === 'chunked') return r.body;
  const data = r.body.kind === 'length' ? r.body.data : 'hello';
  r.fields = r.fields.filter((f) => f.name.toLowerCase() !== 'content-length');
  setField(r, d, 'Transfer-Encoding', 'chunked');
  r.body = { kind: 'chunked', chunks: chunksOf(d, data), lastSize: '0', lastExt: '', trailers: [] };
  return r.body;
}

function contentLengthValue(d: Dice, n: number): string {
  return d.pick([
    `+${n}`,
    `-${n}`,
    `${n} `,
    ` ${n}`,
    `\t${n}`,
    `0${n}`,
    `000${n}`,
    `${n}, ${n}`,
    `${n},${n}`,
    `${n}, ${n + 1}`,
    `${n} ${n}`,
    `${n};`,
    `0x${n.toString(16)}`,
    `${n}.0`,
    `${n}e0`,
    '',
    '9'.repeat(d.range(8, 25)),
    '18446744073709551616',
    '1048577',
    '1048576',
    String(n + 1),
    String(Math.max(0, n - 1)),
    'abc',
    `${n}\x00`,
    `${n}\xb9`,
  ]);
}

const TRANSFER_CODINGS = [
  'chunked',
  'CHUNKED',
  'Chunked',
  'chunked ',
  ' chunked',
  'chunked,',
  ',chunked',
  ', chunked',
  'gzip, chunked',
  'gzip,chunked',
  'chunked, gzip',
  'chunked, chunked',
  'identity',
  'identity, chunked',
  'gzip',
  'x-custom;q=1, chunked',
  'gzip;level=1, chunked',
  'chunked;q=1',
  'chunked ;a',
  'chunk',
  'chunkedx',
  'chunked\t',
  '',
  'chunked, ',
  'compress, deflate, chunked',
  '"chunked"',
  'chunked\x80',
];

function chunkSizeVariant(d: Dice, size: string): string {
  const n = Number.parseInt(size, 16) || 0;
  return d.pick([
    size.toUpperCase(),
    size.toLowerCase(),
    `0${size}`,
    `0000${size}`,
    (n + 1).toString(16),
    Math.max(0, n - 1).toString(16),
    `0x${size}`,
    `+${size}`,
    `-${size}`,
    ` ${size}`,
    `${size} `,
    `${size}\t`,
    'f'.repeat(d.range(14, 20)),
    `1${'0'.repeat(d.range(13, 18))}`,
    '',
    'g',
    `${size}g`,
  ]);
}

const BAD_EXTENSIONS = [
  ';',
  ';=',
  ';=b',
  ';a=',
  ';a="x',
  ';a="x"y',
  ';a b',
  ' ;a',
  '; a',
  ';a =b',
  ';a= b',
  ';a=b c',
  ';a=b;',
  ';a=b,c',
  ';a\x00',
  ';a="\x7f"',
  ';a="\\"',
  ';a="\\x"',
  ';a=\x80',
  ';a@b',
  'x',
  ';a=b ;c',
];
const VERSIONS = [
  'HTTP/1.0',
  'HTTP/1.1',
  'HTTP/1.2',
  'HTTP/1.9',
  'HTTP/2.0',
  'HTTP/3.0',
  'HTTP/0.9',
  'HTTP/1.10',
  'HTTP/01.1',
  'HTTP/1',
  'HTTP/1.',
  'HTTP/',
  'http/1.1',
  'HTTP/1.1 ',
  'HTTP 1.1',
  'HTTP/1.1x',
  'RTSP/1.0',
  'ICE/1.0',
  'HTTP/11',
  'HTTP/9.9',
  '',
];
const ODD_METHODS = [
  'get',
  'Get',
  'FOO',
  'X-CUSTOM',
  'CONNECT',
  ...OTHER_PROTOCOL_METHODS,
  'SOURCE',
  'GETS',
  'GE',
  'POS',
  'G',
  'GET\x80',
  'G(T',
  'MKCALENDAR',
  'UNLINK',
  'BIND',
  'ACL',
  'CHECKOUT',
  'NOTIFY',
  'SUBSCRIBE',
  'MERGE',
  'MKACTIVITY',
];
const ODD_TARGETS = [
  '*',
  '',
  'a',
  '//a',
  '/a#b',
  '/%zz',
  '/a?b#c',
  'http://',
  'http:',
  'http://a',
  'h:',
  'a:b',
  '/a"b',
  '/a<b>',
  '/a\\b',
  '/a^b',
  '/a`b',
  '/a{b}',
  '/a|b',
  '?a',
  '#a',
  'example.com:443',
  '/\x7f',
  '/a\x01',
  '/ a',
  'HTTP://A/B',
  'x+y-z.w://h/p',
  '1http://a/',
];
const HOST_VALUES = ['a,b', 'a, b', 'a b', 'a/b', 'a@b', 'a:b', 'a:', ':80', '[::1', '[]', '[::1]x', 'a:8o', 'a\x80', 'a;b', '"a"', 'a:80:80', '%41', 'a..b'];
const ODD_NAMES = ['', 'X Y', 'X(', 'X@', 'X,', 'X/', 'X[', 'X"', '\x80X', 'X\x7f', 'Host ', ' Host', 'Content-Length ', 'Transfer-Encoding ', 'X\t'];

const STRUCTURAL: Record<string, StructuralMutator> = {
  'duplicate-framing-field'(r, d) {
    const framing = r.fields.map((f, i) => [f, i] as const).filter(([f]) => ['content-length', 'transfer-encoding', 'host'].includes(f.name.toLowerCase()));
    if (framing.length === 0) return;
    const [f] = d.pick(framing);
    const value = d.chance(0.5)
      ? f.value
      : f.name.toLowerCase() === 'content-length'
        ? contentLengthValue(d, Number(f.value) || 0)
        : d.pick(['chunked', 'b', f.value]);
    r.fields.splice(d.int(r.fields.length + 1), 0, { name: d.chance(0.3) ? f.name.toUpperCase() : f.name, sep: ': ', value });
  },
  'reorder-fields'(r, d) {
    for (let i = r.fields.length - 1; i > 0; i--) {
      const j = d.int(i + 1);
      [r.fields[i], r.fields[j]] = [r.fields[j]!, r.fields[i]!];
    }
  },
  'content-length'(r, d) {
    const n = r.body.kind === 'length' ? r.body.data.length : d.range(0, 10);
    setField(r, d, 'Content-Length', contentLengthValue(d, n));
    if (r.body.kind === 'none' && d.chance(0.5)) r.body = { kind: 'length', data: 'x'.repeat(n) };
  },
  'transfer-encoding'(r, d) {
    setField(r, d, 'Transfer-Encoding', d.pick(TRANSFER_CODINGS));
    if (r.body.kind !== 'chunked' && d.chance(0.7)) chunkedBody(r, d);
  },
  'length-and-chunked'(r, d) {
    const b = chunkedBody(r, d);
    const n = b.chunks.reduce((s, c) => s + c.data.length, 0);
    r.fields.splice(d.int(r.fields.length + 1), 0, { name: 'Content-Length', sep: ': ', value: d.pick([String(n), '0', '5', contentLengthValue(d, n)]) });
  },
  'chunk-size'(r, d) {
    const b = chunkedBody(r, d);
    const c = b.chunks.length > 0 && d.chance(0.8) ? d.pick(b.chunks) : null;
    if (c !== null) c.size = chunkSizeVariant(d, c.size);
    else b.lastSize = d.pick(['0', '00', '0000000000000000000', '0x0', ' 0', '0 ', '+0', '-0', '', 'O']);
  },
  'chunk-extension'(r, d) {
    const b = chunkedBody(r, d);
    const ext = d.chance(0.5) ? d.pick(BAD_EXTENSIONS) : d.chance(0.5) ? chunkExtension(d) : d.pick([' ;a', ';a ', '; a=b', ';a = b', ';a=b\t', '\t;a']);
    const c = b.chunks.length > 0 && d.chance(0.7) ? d.pick(b.chunks) : null;
    if (c !== null) c.ext = ext;
    else b.lastExt = ext;
  },
  trailer(r, d) {
    const b = chunkedBody(r, d);
    b.trailers.push(
      d.pick([
        'X-T: 1',
        'x: ',
        'X-T:v',
        'Content-Length: 5',
        'Transfer-Encoding: chunked',
        ' X: folded',
        'X-T : 1',
        'X-T',
        ': v',
        'X-T: a\x01b',
        'X-T: \x80',
        'X\x80: 1',
        'Host: b',
      ]),
    );
  },
  'obs-fold'(r, d) {
    const f = r.fields.length > 0 ? d.pick(r.fields) : null;
    const fold = d.pick(['\r\n ', '\r\n\t', '\r\n  ']);
    if (f !== null && d.chance(0.7)) f.value = d.chance(0.5) ? `${f.value}${fold}more` : `${fold}${f.value}`;
    else r.fields.splice(d.int(r.fields.length + 1), 0, { name: d.pick([' X', '\tX', ' Host']), sep: ': ', value: 'v' });
  },
  version(r, d) {
    r.version = d.pick(VERSIONS);
  },
  method(r, d) {
    r.method = d.chance(0.3) ? d.pick(OTHER_KNOWN_METHODS) : d.pick(ODD_METHODS);
  },
  'high-bytes'(r, d) {
    const c = String.fromCharCode(d.range(0x80, 0xff));
    if (d.chance(0.5)) {
      const i = d.range(1, r.target.length);
      r.target = r.target.slice(0, i) + c + r.target.slice(i);
    } else if (r.fields.length > 0) {
      const f = d.pick(r.fields);
      const i = d.range(0, f.value.length);
      f.value = f.value.slice(0, i) + c + f.value.slice(i);
    }
  },
  host(r, d) {
    const kind = d.int(4);
    if (kind === 0) r.fields = r.fields.filter((f) => f.name.toLowerCase() !== 'host');
    else if (kind === 1) r.fields.splice(d.int(r.fields.length + 1), 0, { name: 'Host', sep: ': ', value: d.pick(['a', 'b', 'example.com']) });
    else setField(r, d, 'Host', d.pick(HOST_VALUES));
  },
  expect(r, d) {
    setField(r, d, 'Expect', d.pick(['100-continue', '100-CONTINUE', '100-continue, x', 'foo', '', '200-ok', ' 100-continue', '100-continue ']));
  },
  connection(r, d) {
    setField(
      r,
      d,
      'Connection',
      d.pick([
        'close',
        'keep-alive',
        'Close',
        'close, keep-alive',
        'keep-alive, close',
        'upgrade',
        'closed',
        'keep-alive ',
        ',close',
        'close,',
        'x, close, y',
        '',
      ]),
    );
  },
  'empty-lines-before'(r, d) {
    r.prefix = d.pick(['\r\n', '\r\n\r\n', '\n', '\r\n\n', '\r', ' ', '\r\n\r\n\r\n']);
  },
  whitespace(r, d) {
    const f = r.fields.length > 0 ? d.pick(r.fields) : null;
    const kind = d.int(5);
    if (kind === 0 && f !== null) f.sep = d.pick([':', ':  ', ':\t', ': \t ', ' : ', '\t: ', ':\x0b', ':\x0c']);
    else if (kind === 1 && f !== null) f.value = `${f.value}${d.pick([' ', '\t', '  \t', '\x0b', '\x0c'])}`;
    else if (kind === 2) r.method = `${r.method}${d.pick([' ', '\t'])}`;
    else if (kind === 3) r.target = `${r.target}${d.pick([' ', '\t'])}`;
    else r.version = `${d.pick([' ', '\t'])}${r.version}`;
  },
  target(r, d) {
    r.target = d.pick(ODD_TARGETS);
  },
  'field-name'(r, d) {
    r.fields.splice(d.int(r.fields.length + 1), 0, { name: d.pick(ODD_NAMES), sep: ': ', value: 'v' });
  },
};

/** A position to insert at: anywhere, or (half the time) next to a byte that structures the input. */
function position(s: string, d: Dice): number {
  if (d.chance(0.5) || s.length === 0) return d.range(0, s.length);
  for (let tries = 0; tries < 8; tries++) {
    const i = d.int(s.length);
    if ('\r\n :;=,'.includes(s[i] as string)) return d.chance(0.5) ? i : i + 1;
  }
  return d.range(0, s.length);
}

const BYTES: Record<string, ByteMutator> = {
  'flip-bit'(s, d) {
    if (s.length === 0) return s;
    const i = d.int(s.length);
    return s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << d.int(8))) + s.slice(i + 1);
  },
  'insert-control'(s, d) {
    const i = position(s, d);
    return s.slice(0, i) + d.pick(CTL) + s.slice(i);
  },
  'random-byte'(s, d) {
    if (s.length === 0) return s;
    const i = d.int(s.length);
    return s.slice(0, i) + String.fromCharCode(d.int(256)) + s.slice(i + 1);
  },
  'delete-bytes'(s, d) {
    const i = position(s, d);
    return s.slice(0, i) + s.slice(i + d.range(1, 4));
  },
  'duplicate-range'(s, d) {
    const i = d.range(0, s.length);
    const piece = s.slice(i, i + d.range(1, 12));
    const j = position(s, d);
    return s.slice(0, j) + piece + s.slice(j);
  },
  'line-ending'(s, d) {
    const ends: number[] = [];
    for (let i = s.indexOf('\r\n'); i !== -1; i = s.indexOf('\r\n', i + 2)) ends.push(i);
    if (ends.length === 0) return s;
    const i = d.pick(ends);
    return s.slice(0, i) + d.pick(['\n', '\r', '\n\r', '\r\r\n', '\r\n\r\n', '']) + s.slice(i + 2);
  },
};

export const STRUCTURAL_MUTATIONS = Object.keys(STRUCTURAL);
export const BYTE_MUTATIONS = Object.keys(BYTES);

/** A structural mutation of one of the requests, by name. */
export function mutateStructure(requests: RequestSpec[], name: string, d: Dice): void {
  const m = STRUCTURAL[name];
  if (m === undefined) throw new Error(`no structural mutation ${name}`);
  m(d.pick(requests), d);
}

/** A byte mutation of the input, by name. */
export function mutateBytes(input: string, name: string, d: Dice): string {
  const m = BYTES[name];
  if (m === undefined) throw new Error(`no byte mutation ${name}`);
  return m(input, d);
}
