// The layers point down: scripts/ may use bench/, servers/ and shared/; bench/ may use servers/
// and shared/; servers/ only shared/; shared/ nothing of the project. Tests and test support
// included, so a helper that two layers need lives in shared/.

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
};

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (/\.(ts|mjs)$/.test(entry.name)) yield path;
  }
}

describe('layers', () => {
  it('every import points to the same layer or one below it', () => {
    const wrong: string[] = [];
    for (const [layer, allowed] of Object.entries(MAY_USE)) {
      for (const file of sources(join(PROJECT_ROOT, layer))) {
        // TypeScript's own scanner finds the imports (static and dynamic), not text in strings.
        for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
          if (!fileName.startsWith('.')) continue;
          const target = relative(PROJECT_ROOT, resolve(dirname(file), fileName));
          // Fixtures may load the compiled code (dist/<layer>/...), which counts as that layer.
          const top = target.split('/')[target.startsWith('dist/') ? 1 : 0] ?? '';
          if (!allowed.includes(top)) wrong.push(`${relative(PROJECT_ROOT, file)} imports ${fileName} (${top}/)`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
