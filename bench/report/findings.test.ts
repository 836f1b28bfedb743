import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureResults } from '../analysis/test-support/fixture.js';
import { resilienceFixture } from '../analysis/test-support/resilience-fixture.js';
import { type Results, SHIPPED_MODELS } from '../results/results.js';
import { readResults } from '../results/store.js';
import { findings } from './findings.js';

const dir = mkdtempSync(join(tmpdir(), 'cbench-findings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The shipped variants under names of a user's own, each keeping its model. */
const RENAMED: Record<string, string> = {
  'single-loop': 'my-loop',
  cluster: 'my-forks',
  'worker-pool': 'my-pool',
  offload: 'my-offload',
  blocking: 'my-blocking',
  'node-http': 'my-baseline',
};

/** `r` with every variant renamed, in its entries and in the settings that name variants. */
function renamed(r: Results): Results {
  const copy = structuredClone(r);
  const to = (name: string) => RENAMED[name] ?? name;
  copy.settings.variants = copy.settings.variants.map(to);
  for (const v of copy.variants) v.name = to(v.name);
  return copy;
}

/** A finding of the original run with the names as renamed() gives them. */
function withNames(text: string): string {
  return Object.entries(RENAMED).reduce((t, [from, to]) => t.replace(new RegExp(`(?<![\\w-])${from}(?![\\w-])`, 'g'), to), text);
}

/** The same results as a file of version 8 wrote them: no variant records its model. */
function asVersion8(r: Results): unknown {
  const old = JSON.parse(JSON.stringify(r)) as { version: number; variants: Array<{ model?: unknown }> };
  old.version = 8;
  for (const v of old.variants) delete v.model;
  return old;
}

describe('findings are rules over the recorded concurrency models, not over names', () => {
  for (const [what, results] of [
    ['a quick run', fixtureResults()],
    ['a run with mixes', fixtureResults({ mixes: true, unfair: ['worker-pool/cpu'], slowFirstResponse: ['cluster/plaintext'] })],
    ['a capacity run', fixtureResults({ capacity: true })],
    ['a resilience run', resilienceFixture()],
  ] as const) {
    it(`gives variants of the shipped models under names of their own the same findings: ${what}`, () => {
      const before = findings(results);
      // The names are what the model-specific findings are about: each is found, renamed too.
      expect(before.some((f) => /single-loop|worker-pool|cluster|blocking|offload/.test(f))).toBe(true);
      expect(findings(renamed(results))).toEqual(before.map(withNames));
    });
  }

  it('gives a variant of no known model none of a model’s findings', () => {
    const r = fixtureResults();
    for (const v of r.variants) if (v.name === 'blocking') v.model = null;
    expect(findings(fixtureResults()).some((f) => /blocking collapsed/.test(f))).toBe(true);
    expect(findings(r).some((f) => /blocking collapsed/.test(f))).toBe(false);
  });

  it('reads a file written before models were recorded, takes them from the names it carries, and finds the same', () => {
    const results = fixtureResults({ mixes: true, capacity: true });
    const file = join(dir, 'v8.json');
    writeFileSync(file, JSON.stringify(asVersion8(results)));
    const read = readResults(file);
    expect(read.version).toBe(10);
    expect(Object.fromEntries(read.variants.map((v) => [v.name, v.model]))).toEqual(
      Object.fromEntries(results.variants.map((v) => [v.name, SHIPPED_MODELS[v.name] ?? null])),
    );
    expect(findings(read)).toEqual(findings(results));
  });
});
