// The differential fuzzer in miniature: a few thousand generated and mutated inputs through our
// parser and llhttp. Every difference must be a deliberate one (servers/core/llhttp-differences.ts),
// and no verdict may depend on how the input is cut.

import { describe, expect, it } from 'vitest';
import { runOurs, splitDependence } from './ours.js';
import { fuzzRange, makeInput } from './run.js';

describe('differential fuzzing against llhttp', () => {
  it('a few thousand inputs: every difference deliberate, no verdict depending on the cuts', () => {
    const stats = fuzzRange(14, 0, 8_000);
    expect(stats.inputs).toBe(8_000);
    // The generator reaches both parsers' interesting paths: accepted and refused requests, and many deliberate differences.
    expect(stats.firstVerdicts['accept/accept']).toBeGreaterThan(2_000);
    expect(stats.firstVerdicts['reject/reject']).toBeGreaterThan(2_000);
    expect(Object.keys(stats.deliberate).length).toBeGreaterThan(10);
    const undocumented = Object.entries(stats.undocumented).map(([signature, e]) => `${signature}: input #${e.index} ${JSON.stringify(e.input)}`);
    expect(undocumented).toEqual([]);
    const splits = Object.entries(stats.splitDependent).map(([signature, e]) => `${signature}: input #${e.index} ${JSON.stringify(e.input)}`);
    expect(splits).toEqual([]);
  });

  it('a few hundred inputs cut in two at every boundary answer as they do whole', () => {
    for (let i = 0; i < 300; i++) {
      const { input, random } = makeInput(15, i);
      const s = splitDependence(input, runOurs(input), random, 0, true);
      if (s !== null) expect.fail(`input ${JSON.stringify(input.toString('latin1'))}: ${s.how} gives ${JSON.stringify(s.split)}`);
    }
  });

  it('the same seed makes the same inputs', () => {
    expect(makeInput(7, 123).input).toEqual(makeInput(7, 123).input);
    expect(makeInput(7, 123).input).not.toEqual(makeInput(8, 123).input);
  });
});
