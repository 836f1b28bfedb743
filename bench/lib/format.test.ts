import { describe, expect, it } from 'vitest';
import { formatDuration, formatInt, formatTable, formatTimes } from './format.js';

describe('formatting', () => {
  it('integers, durations and ratios', () => {
    expect(formatInt(1234567.6)).toBe('1,234,568');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(-3)).toBe('0s');
    expect(formatTimes(2.345)).toBe('2.35×');
    expect(formatTimes(17.4)).toBe('17×');
  });

  it('tables: columns aligned, numbers to the right, no trailing spaces', () => {
    const t = formatTable(
      [
        ['variant', 'req/s', 'note'],
        ['single-loop', '45,000', ''],
        ['cluster', '950', 'client-bound'],
      ],
      (i) => i === 1,
    );
    expect(t.split('\n')).toEqual(['variant       req/s  note', 'single-loop  45,000', 'cluster         950  client-bound']);
  });
});
