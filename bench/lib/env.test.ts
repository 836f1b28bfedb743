import { afterEach, describe, expect, it } from 'vitest';
import { positiveIntFromEnv } from './env.js';

describe('positiveIntFromEnv', () => {
  afterEach(() => {
    delete process.env.CBENCH_TEST_SETTING;
  });

  it('takes the fallback when unset or empty, and the number when set', () => {
    expect(positiveIntFromEnv('CBENCH_TEST_SETTING', 7)).toBe(7);
    process.env.CBENCH_TEST_SETTING = '';
    expect(positiveIntFromEnv('CBENCH_TEST_SETTING', 7)).toBe(7);
    process.env.CBENCH_TEST_SETTING = '12';
    expect(positiveIntFromEnv('CBENCH_TEST_SETTING', 7)).toBe(12);
  });

  it('refuses what is not a positive integer, naming the variable', () => {
    for (const bad of ['0', '-3', '2.5', 'ten', '1e400']) {
      process.env.CBENCH_TEST_SETTING = bad;
      expect(() => positiveIntFromEnv('CBENCH_TEST_SETTING', 7)).toThrow(/CBENCH_TEST_SETTING must be a positive integer/);
    }
  });
});
