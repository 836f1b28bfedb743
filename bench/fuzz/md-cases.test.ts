// The reader of llhttp's markdown cases, on small fixtures written here in the same format.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeInput, expectedVerdict, notStrictRequest, parseMdCases, readMdCases } from './md-cases.js';
import { addHost, serverVerdict } from './replay.js';

const FENCE = '```';

/** A markdown case: heading, meta comment, input block, log block. */
function mdCase(name: string, meta: string, input: string, log: string[]): string {
  return `### ${name}\n\n<!-- meta=${meta} -->\n${FENCE}http\n${input}\n${FENCE}\n\n${FENCE}log\n${log.join('\n')}\n${FENCE}\n`;
}

const FIXTURE = [
  'Fixture\n=======\n',
  mdCase('a plain request', '{"type": "request"}', 'GET /x HTTP/1.1\nHost: a\n\n', [
    'off=0 message begin',
    'off=27 headers complete method=1 v=1/1 flags=0 content_length=0',
    'off=27 message complete',
  ]),
  mdCase('a refused one', '{"type": "request", "noScan": true}', 'GET /x HTTP/1.1\\n\\n', [
    'off=0 message begin',
    'off=15 error code=9 reason="Expected CRLF after version"',
  ]),
  mdCase('lenient', '{"type": "request-lenient-headers"}', 'GET / HTTP/1.1\n\n', ['off=18 message complete']),
  mdCase('paused, then complete', '{ "type": "request", "pause": "on_message_begin" }', 'GET / HTTP/1.1\n\n', [
    'off=0 message begin',
    'off=0 pause',
    'off=18 message complete',
  ]),
  mdCase('skips its body', '{"type": "request", "skipBody": true}', 'PUT / HTTP/1.1\nContent-Length: 3\n\n', ['off=36 message complete']),
  mdCase('cut short', '{"type": "request"}', 'POST / HTTP/1.1\nContent-Length: 5\n\nab', ['off=0 message begin', 'off=37 len=2 span[body]="ab"']),
].join('\n');

describe('llhttp markdown cases', () => {
  it('reads each case: heading, meta, input and what the log expects of the first request', () => {
    const cases = parseMdCases(FIXTURE, 'fixture.md');
    expect(cases.map((c) => [c.name, c.expected.verdict])).toEqual([
      ['a plain request', 'accept'],
      ['a refused one', 'reject'],
      ['lenient', 'accept'],
      ['paused, then complete', 'accept'],
      ['skips its body', 'accept'],
      ['cut short', 'wait'],
    ]);
    const [plain, refused] = cases;
    expect(plain?.input.toString('latin1')).toBe('GET /x HTTP/1.1\r\nHost: a\r\n\r\n');
    expect(plain?.meta).toEqual({ type: 'request' });
    expect(plain?.file).toBe('fixture.md');
    expect(plain?.line).toBe(7); // the ```http fence: a title, its underline, an empty line, the heading, an empty line, the meta comment
    expect(refused?.input.toString('latin1')).toBe('GET /x HTTP/1.1\n\n');
    expect(refused?.expected).toEqual({ verdict: 'reject', code: 9, reason: 'Expected CRLF after version' });
  });

  it('keeps strict request cases only: no lenient flags, no finish, no skipped body', () => {
    const cases = parseMdCases(FIXTURE, 'fixture.md');
    expect(cases.map((c) => notStrictRequest(c))).toEqual([null, null, 'type request-lenient-headers', null, 'skipBody', null]);
  });

  it("decodes inputs by llhttp's conventions", () => {
    expect(decodeInput('A\nB\n').toString('latin1')).toBe('A\r\nB'); // CRLF line ends, the last one dropped
    expect(decodeInput('A\\\nB\n').toString('latin1')).toBe('AB'); // a backslash joins lines
    expect(decodeInput('\\r\\n\\t\\f\n').toString('latin1')).toBe('\r\n\t\f');
    expect(decodeInput('\\x80\\xff\\0\\101\n').toString('latin1')).toBe('\x80\xff\x00A');
    expect(decodeInput('a\\"b\n').toString('latin1')).toBe('a\\"b'); // other escapes stay as written
  });

  it('reads the expected verdict of the first request from a log, pauses aside', () => {
    expect(expectedVerdict('off=0 message begin\noff=5 message complete\noff=9 error code=4 reason="x"')).toEqual({ verdict: 'accept' });
    expect(expectedVerdict('off=0 error code=21 reason="Paused"\noff=3 error code=6 reason="Invalid method"')).toEqual({
      verdict: 'reject',
      code: 6,
      reason: 'Invalid method',
    });
    expect(expectedVerdict('off=0 message begin')).toEqual({ verdict: 'wait' });
  });

  describe('from a directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'md-cases-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads every .md file, in name order', () => {
      writeFileSync(join(dir, 'b.md'), mdCase('second', '{"type": "request"}', 'GET / HTTP/1.1\n\n', ['off=18 message complete']));
      writeFileSync(join(dir, 'a.md'), FIXTURE);
      writeFileSync(join(dir, 'notes.txt'), 'not a case');
      const cases = readMdCases(dir);
      expect(cases.map((c) => c.file)).toEqual([...Array(6).fill('a.md'), 'b.md']);
    });
  });
});

describe('replay helpers', () => {
  it('adds a Host after each HTTP/1.1 request line without one', () => {
    const input = Buffer.from('GET / HTTP/1.1\r\nX: 1\r\n\r\nGET /b HTTP/1.1\r\nHost: b\r\n\r\nGET / HTTP/1.0\r\n\r\n');
    expect(addHost(input).toString()).toBe('GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\nGET /b HTTP/1.1\r\nHost: b\r\n\r\nGET / HTTP/1.0\r\n\r\n');
  });

  it("reads the server's first final answer: accepted, refused by a rule, or cut short", () => {
    const response = (status: string, body: string) => `HTTP/1.1 ${status}\r\nServer: cbench\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    expect(serverVerdict(Buffer.from(`HTTP/1.1 100 Continue\r\n\r\n${response('404 Not Found', 'not found\n')}`))).toEqual({ verdict: 'accept', status: 404 });
    expect(serverVerdict(Buffer.from(response('400 Bad Request', 'HTTP/1.1 request without Host\n')))).toEqual({
      verdict: 'reject',
      status: 400,
      code: 'host-missing',
    });
    expect(serverVerdict(Buffer.from(response('400 Bad Request', 'incomplete request\n')))).toEqual({ verdict: 'wait' });
    expect(serverVerdict(Buffer.alloc(0))).toEqual({ verdict: 'none', why: 'no answer' });
  });
});
