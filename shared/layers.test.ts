// The layers point down: scripts/ may use bench/, servers/ and shared/; bench/ may use servers/
// and shared/; servers/ only shared/; shared/ nothing of the project. Inside bench/ the folders
// are floors of their own, in the order of BENCH_FLOORS. And no file reaches itself through its
// imports. Tests and test support included, so a helper that two layers need lives in the lower;
// the one exception: a test may use a higher floor's test support (a fixture), never its code.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './built.js';

const MAY_USE: Record<string, readonly string[]> = {
  shared: ['shared'],
  servers: ['servers', 'shared'],
  bench: ['bench', 'servers', 'shared'],
  scripts: ['scripts', 'bench', 'servers', 'shared'],
  // The examples and their tests stand where a user's code does: on top of it all.
  examples: ['examples', 'bench', 'servers', 'shared'],
};

/**
 * bench/'s folders from the top floor down: a file may import from its own floor or one below.
 * The micro-benchmarks drive the run modes; a run mode writes reports; reports are made of
 * analyses; analyses read what the load generators and attack clients measured against a plan;
 * everything is kept as results, with lib/ (processes, statistics, formatting) under it all.
 */
const BENCH_FLOORS: readonly (readonly string[])[] = [
  ['micro'],
  ['run'],
  ['report'],
  ['analysis'],
  ['resilience'],
  ['loadgen', 'fuzz'],
  ['plan'],
  ['results'],
  ['lib', 'test-support'],
];

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.(ts|mjs)$/.test(entry.name)) yield path;
  }
}

/** Every relative import of the project's sources, as paths from the root (`.js` read as the `.ts` it was built from). */
function imports(): Array<{ from: string; to: string; spec: string }> {
  const edges: Array<{ from: string; to: string; spec: string }> = [];
  for (const layer of Object.keys(MAY_USE)) {
    for (const file of sources(join(PROJECT_ROOT, layer))) {
      // TypeScript's own scanner finds the imports (static and dynamic), not text in strings.
      for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const to = relative(PROJECT_ROOT, resolve(dirname(file), fileName)).replace(/\.js$/, '.ts');
        edges.push({ from: relative(PROJECT_ROOT, file), to, spec: fileName });
      }
    }
  }
  return edges;
}

/** A bench/ file's floor: its index in BENCH_FLOORS (files directly in bench/ have none). */
function benchFloor(path: string): number | undefined {
  const parts = path.replace(/^dist\//, '').split('/');
  if (parts[0] !== 'bench' || parts.length < 3) return undefined;
  const i = BENCH_FLOORS.findIndex((floor) => floor.includes(parts[1] ?? ''));
  return i === -1 ? undefined : i;
}

/** The import cycles among `edges`: each strongly connected group of two or more files, and each file importing itself. */
function cycles(edges: ReadonlyArray<{ from: string; to: string }>): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  // Tarjan's algorithm, iterative enough for a project's import graph.
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, order.get(w)!));
    }
    if (low.get(v) === order.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1 || (next.get(v) ?? []).includes(v)) found.push(group.sort());
    }
  };
  for (const v of next.keys()) if (!order.has(v)) visit(v);
  return found;
}

describe('layers', () => {
  const edges = imports();

  it('reads the imports of the whole project', () => {
    // A reader that found none would let every check below pass.
    expect(edges.length).toBeGreaterThan(300);
    expect(edges.some((e) => e.from === 'bench/run/runner.ts' && e.to === 'bench/run/measure.ts')).toBe(true);
  });

  it('puts every file of bench/ on a floor', () => {
    const off = [...sources(join(PROJECT_ROOT, 'bench'))].map((f) => relative(PROJECT_ROOT, f)).filter((f) => benchFloor(f) === undefined);
    expect(off).toEqual([]);
  });

  it('every import points to the same layer or one below it', () => {
    const wrong: string[] = [];
    for (const { from, to, spec } of edges) {
      const allowed = MAY_USE[from.split('/')[0] ?? ''] ?? [];
      // Fixtures may load the compiled code (dist/<layer>/...), which counts as that layer.
      const top = to.split('/')[to.startsWith('dist/') ? 1 : 0] ?? '';
      if (!allowed.includes(top)) wrong.push(`${from} imports ${spec} (${top}/)`);
    }
    expect(wrong).toEqual([]);
  });

  it('inside bench/, every import points to its own floor or one below it, and every file is on a floor', () => {
    const wrong: string[] = [];
    for (const { from, to, spec } of edges) {
      const a = benchFloor(from);
      const b = benchFloor(to);
      // A test is a leaf (nothing imports it), so it may take the fixtures of a higher floor:
      // results.test.ts upgrades files made by the fixture the analyses' tests share.
      const testFixture = from.endsWith('.test.ts') && to.includes('/test-support/');
      if (from.startsWith('bench/') && a === undefined) wrong.push(`${from} is on no floor of bench/`);
      else if (to.startsWith('bench/') && b === undefined) wrong.push(`${from} imports ${spec}, on no floor of bench/`);
      else if (a !== undefined && b !== undefined && b < a && !testFixture)
        wrong.push(`${from} imports ${spec}: up from ${BENCH_FLOORS[a]} to ${BENCH_FLOORS[b]}`);
    }
    expect(wrong).toEqual([]);
  });

  it('no import cycle', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('finds a cycle, and an upward import, where there is one', () => {
    expect(
      cycles([
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'a' },
        { from: 'c', to: 'd' },
      ]),
    ).toEqual([['a', 'b', 'c']]);
    expect(cycles([{ from: 'a', to: 'a' }])).toEqual([['a']]);
    expect(cycles([{ from: 'a', to: 'b' }])).toEqual([]);
    expect(benchFloor('bench/lib/stats.ts')).toBeGreaterThan(benchFloor('bench/report/write.ts')!);
  });
});
