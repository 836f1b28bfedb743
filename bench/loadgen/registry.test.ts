import { describe, expect, it } from 'vitest';
import { DEFAULT_LOADGEN, loadgenNames, loadgens } from './registry.js';

describe('load generator registry', () => {
  it('lists each generator under its own name, the default among them', () => {
    for (const name of loadgenNames) expect(loadgens[name].name).toBe(name);
    expect(loadgenNames).toContain(DEFAULT_LOADGEN);
    expect(loadgens[DEFAULT_LOADGEN].available()).toBe(true);
  });
});
