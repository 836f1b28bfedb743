import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { escapeBytes, minimize } from './minimize.js';

const has = (needle: string) => (b: Buffer) => b.includes(needle);

describe('minimize', () => {
  it('drops every byte the failure does not need', () => {
    const input = Buffer.from('GET /index.html HTTP/1.1\r\nHost: a\r\nX-Bad: \x01\r\n\r\n', 'latin1');
    expect(minimize(input, has('\x01')).toString('latin1')).toBe('\x01');
  });

  it('keeps bytes the failure needs even when they are far apart', () => {
    const input = Buffer.from(`a${'x'.repeat(300)}b${'y'.repeat(300)}c`);
    const needsAll = (b: Buffer) => /a.*b.*c/s.test(b.toString());
    expect(minimize(input, needsAll).toString()).toBe('abc');
  });

  it('finds a 1-minimal input: no single byte of the result can go', () => {
    // Fails while the count of "1" bytes is odd and at least 3: the result must keep 3 of them.
    const input = Buffer.from('1a1b1c1d1e1f1g');
    const odd = (b: Buffer) => {
      const n = [...b.toString()].filter((c) => c === '1').length;
      return n >= 3 && n % 2 === 1;
    };
    const small = minimize(input, odd);
    expect(small.toString()).toBe('111');
    for (let i = 0; i < small.length; i++) expect(odd(Buffer.concat([small.subarray(0, i), small.subarray(i + 1)]))).toBe(false);
  });

  it('returns the input when nothing can be dropped', () => {
    expect(minimize(Buffer.from('ab'), (b) => b.toString() === 'ab').toString()).toBe('ab');
  });

  it('stops after maxTests calls', () => {
    let calls = 0;
    minimize(
      Buffer.alloc(1000, 0x61),
      () => {
        calls++;
        return false;
      },
      50,
    );
    expect(calls).toBe(50);
  });
});

describe('escapeBytes', () => {
  it('shows CR, LF, HTAB, quotes and backslashes escaped, other bytes outside printable ASCII as \\xNN', () => {
    expect(escapeBytes(Buffer.from('GET / HTTP/1.1\r\nX: "a\\b"\t\x00\x7f\xff\n', 'latin1'))).toBe(
      '"GET / HTTP/1.1\\r\\nX: \\"a\\\\b\\"\\t\\x00\\x7f\\xff\\n"',
    );
  });

  it('reads back as the same bytes in JavaScript', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const back = runInNewContext(escapeBytes(bytes)) as string;
    expect(Buffer.from(back, 'latin1')).toEqual(bytes);
  });
});
