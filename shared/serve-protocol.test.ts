import { describe, expect, it } from 'vitest';
import { infoLine, listeningLine, parseInfo, parseListening } from './serve-protocol.js';

describe('the serve protocol', () => {
  it('reads back the listening line it writes, IPv6 hosts in brackets', () => {
    expect(listeningLine('127.0.0.1', 8080)).toBe('listening on http://127.0.0.1:8080\n');
    expect(listeningLine('::1', 8080)).toBe('listening on http://[::1]:8080\n');
    expect(parseListening(`some log\n${listeningLine('::1', 41234)}`)).toBe(41234);
  });

  it('has no port until the listening line is complete', () => {
    expect(parseListening('listening on http://127.0.0.1:80')).toBeUndefined();
    expect(parseListening('')).toBeUndefined();
  });

  it('reads back the info line it writes, numbers as numbers', () => {
    const info = { workers: 2, schedule: 'rr', restarts: 0 };
    const line = infoLine('cluster', info);
    expect(line).toBe('cluster: workers=2 schedule=rr restarts=0\n');
    expect(parseInfo('cluster', `listening on http://127.0.0.1:1\n${line}`)).toEqual(info);
    expect(parseInfo('cluster', 'listening on http://127.0.0.1:1\n')).toEqual({});
    expect(infoLine('single-loop', {})).toBeNull();
  });

  it('refuses info that would not read back', () => {
    expect(() => infoLine('x', { note: 'two words' })).toThrow(/would not read back/);
    expect(() => infoLine('x', { 'a=b': 1 })).toThrow(/would not read back/);
  });
});
