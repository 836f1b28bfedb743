// Valid HTTP/1.1 and HTTP/1.0 requests from a seeded generator, as structures the mutators can
// edit before they become bytes. Every generated request stays well inside the parser's default
// limits (request line 8 KiB, header section 16 KiB, 100 fields, body 1 MiB), so a limit refusal
// only ever comes from a mutation that asks for one.

/** Dice over a seeded generator of numbers in [0, 1). */
export class Dice {
  constructor(readonly random: () => number) {}
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Dice.pick: nothing to pick from');
    return items[this.int(items.length)] as T;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  /** A string of `n` characters drawn from `alphabet`. */
  string(alphabet: string, n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

/** One field line: `name` `sep` `value` CRLF (sep is `: ` unless a mutation says otherwise). */
export interface FieldSpec {
  name: string;
  sep: string;
  value: string;
}

/** One chunk: its size line (size text and extensions) and its data. */
export interface ChunkSpec {
  size: string;
  ext: string;
  data: string;
}

/** How the body is sent. The framing fields themselves are among the field lines. */
export type BodySpec =
  | { kind: 'none' }
  | { kind: 'length'; data: string }
  | { kind: 'chunked'; chunks: ChunkSpec[]; lastSize: string; lastExt: string; trailers: string[] };

/** A request as parts, every string latin1. */
export interface RequestSpec {
  /** Bytes before the request line (empty lines, or garbage from a mutation). */
  prefix: string;
  method: string;
  target: string;
  version: string;
  fields: FieldSpec[];
  body: BodySpec;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = `${LOWER}ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`;
const PCHAR = `${ALNUM}-._~!$&'()*+,;=:@`;
const QUERY = `${PCHAR}/?`;
const TOKEN = `${ALNUM}!#$%&'*+-.^_\`|~`;
/** Visible ASCII and SP: what most field values are made of. */
const VALUE = Array.from({ length: 0x7e - 0x20 + 1 }, (_, i) => String.fromCharCode(0x20 + i)).join('');

const METHODS_WITH_BODY = ['POST', 'PUT', 'PATCH', 'DELETE'];
/** Methods the server implements (RFC 9110 §9 and PATCH), weighted towards the common ones. */
const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE'];
/** Methods llhttp knows that the server does not implement (answered 501). */
export const OTHER_KNOWN_METHODS = [
  'PROPFIND',
  'PROPPATCH',
  'MKCOL',
  'COPY',
  'MOVE',
  'LOCK',
  'UNLOCK',
  'PURGE',
  'QUERY',
  'SEARCH',
  'REPORT',
  'M-SEARCH',
  'LINK',
  'SOURCE',
];

const HEADER_NAMES = [
  'User-Agent',
  'Accept',
  'Accept-Encoding',
  'Accept-Language',
  'Cookie',
  'Cache-Control',
  'Authorization',
  'Content-Type',
  'If-None-Match',
  'Referer',
  'Origin',
  'X-Request-Id',
  'X-Forwarded-For',
  'Pragma',
  'DNT',
  'accept',
  'x-lower-case',
];
const HOSTS = ['example.com', 'a', 'localhost:8080', '127.0.0.1', '[::1]:80', 'api.example.org:443', 'x-y.z_w', ''];

function path(d: Dice): string {
  let p = '';
  const segments = d.range(0, 4);
  for (let i = 0; i < segments; i++) p += `/${d.string(PCHAR, d.range(0, 10))}`;
  if (p === '' || d.chance(0.2)) p += '/';
  if (d.chance(0.1)) p += `%${d.pick(['20', '2F', 'c3', 'E9'])}`;
  if (d.chance(0.35)) {
    const params = d.range(1, 3);
    const q: string[] = [];
    for (let i = 0; i < params; i++) q.push(`${d.string(ALNUM, d.range(1, 6))}=${d.string(QUERY, d.range(0, 12))}`);
    p += `?${q.join('&')}`;
  }
  return p;
}

function target(d: Dice, method: string): string {
  if (method === 'OPTIONS' && d.chance(0.3)) return '*';
  if (d.chance(0.15)) return `${d.pick(['http', 'https', 'HTTP'])}://${d.pick(HOSTS.filter((h) => h !== ''))}${path(d)}`;
  return path(d);
}

function fieldValue(d: Dice): string {
  const n = d.range(0, 40);
  let v = d.string(VALUE, n).trim();
  if (d.chance(0.05)) v += String.fromCharCode(d.range(0x80, 0xff)); // obs-text is allowed in values
  return v;
}

/** A body of any bytes: the parser treats it as opaque. */
function bodyData(d: Dice): string {
  const n = d.chance(0.05) ? d.range(300, 4096) : d.range(0, 200);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(d.chance(0.8) ? d.range(0x20, 0x7e) : d.int(256));
  return s;
}

/** Cuts `data` into chunks with size lines as a sender might write them (any hex case, extensions now and then). */
export function chunksOf(d: Dice, data: string): ChunkSpec[] {
  const chunks: ChunkSpec[] = [];
  let rest = data;
  while (rest.length > 0) {
    const n = Math.min(rest.length, d.range(1, 128));
    chunks.push({ size: hexSize(d, n), ext: d.chance(0.15) ? chunkExtension(d) : '', data: rest.slice(0, n) });
    rest = rest.slice(n);
  }
  return chunks;
}

function hexSize(d: Dice, n: number): string {
  const hex = n.toString(16);
  return d.chance(0.3) ? hex.toUpperCase() : hex;
}

/** chunk-ext (RFC 9112 §7.1.1): `;name`, `;name=token` or `;name="quoted"`, without whitespace. */
export function chunkExtension(d: Dice): string {
  let ext = '';
  const n = d.range(1, 2);
  for (let i = 0; i < n; i++) {
    ext += `;${d.string(TOKEN, d.range(1, 6))}`;
    const kind = d.int(3);
    if (kind === 1) ext += `=${d.string(TOKEN, d.range(1, 6))}`;
    else if (kind === 2) ext += `="${d.string(`${ALNUM} ,;=`, d.range(0, 8))}"`;
  }
  return ext;
}

/** One valid request. */
export function generateRequest(d: Dice): RequestSpec {
  const method = d.chance(0.05) ? d.pick(OTHER_KNOWN_METHODS) : d.pick(METHODS);
  const version = d.chance(0.15) ? 'HTTP/1.0' : 'HTTP/1.1';
  const fields: FieldSpec[] = [];
  const field = (name: string, value: string) => fields.push({ name, sep: ': ', value });
  if (version === 'HTTP/1.1' || d.chance(0.5)) field(d.pick(['Host', 'host', 'HOST']), d.pick(HOSTS));
  const extra = d.range(0, 8);
  for (let i = 0; i < extra; i++) {
    if (d.chance(0.8)) field(d.pick(HEADER_NAMES), fieldValue(d));
    else field(d.string(TOKEN, d.range(1, 16)), fieldValue(d));
  }
  if (d.chance(0.2)) field(d.pick(['Connection', 'connection']), d.pick(['keep-alive', 'Keep-Alive', 'close', 'keep-alive, TE', 'TE']));

  let body: BodySpec = { kind: 'none' };
  const wantsBody = METHODS_WITH_BODY.includes(method) ? d.chance(0.8) : d.chance(0.1);
  if (wantsBody) {
    const data = bodyData(d);
    if (version === 'HTTP/1.1' && d.chance(0.4)) {
      field(d.pick(['Transfer-Encoding', 'transfer-encoding']), d.pick(['chunked', 'chunked', 'Chunked']));
      const trailers: string[] = [];
      if (d.chance(0.2)) for (let i = d.range(1, 2); i > 0; i--) trailers.push(`${d.pick(['X-Checksum', 'Expires', 'x-t'])}: ${fieldValue(d)}`);
      body = {
        kind: 'chunked',
        chunks: chunksOf(d, data),
        lastSize: d.pick(['0', '0', '00', '000']),
        lastExt: d.chance(0.1) ? chunkExtension(d) : '',
        trailers,
      };
    } else {
      field(d.pick(['Content-Length', 'content-length']), String(data.length));
      body = { kind: 'length', data };
    }
    if (version === 'HTTP/1.1' && d.chance(0.15)) field('Expect', d.pick(['100-continue', '100-Continue']));
  }
  // The framing fields need not come last.
  if (fields.length > 1 && d.chance(0.3)) {
    const i = d.int(fields.length);
    const [f] = fields.splice(fields.length - 1, 1);
    if (f !== undefined) fields.splice(i, 0, f);
  }
  return { prefix: '', method, target: target(d, method), version, fields, body };
}

/** The bytes of a request, as a latin1 string. */
export function serialize(r: RequestSpec): string {
  let s = `${r.prefix}${r.method} ${r.target} ${r.version}\r\n`;
  for (const f of r.fields) s += `${f.name}${f.sep}${f.value}\r\n`;
  s += '\r\n';
  const b = r.body;
  if (b.kind === 'length') s += b.data;
  else if (b.kind === 'chunked') {
    for (const c of b.chunks) s += `${c.size}${c.ext}\r\n${c.data}\r\n`;
    s += `${b.lastSize}${b.lastExt}\r\n`;
    for (const t of b.trailers) s += `${t}\r\n`;
    s += '\r\n';
  }
  return s;
}

/** One to three requests, as a client pipelining them would send. */
export function generatePipeline(d: Dice): RequestSpec[] {
  const n = d.chance(0.75) ? 1 : d.chance(0.8) ? 2 : 3;
  return Array.from({ length: n }, () => generateRequest(d));
}
