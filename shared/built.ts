// Where the compiled code is. Worker processes and threads, and the processes the harness
// starts, need a JavaScript file to run: from dist/ that is the sibling .js file; from the
// TypeScript sources (as under vitest) it is the same file in dist/, which the test setup
// builds first.

import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The project's root: this file is <root>/shared/built.ts, or <root>/dist/shared/built.js once compiled. */
export const PROJECT_ROOT = basename(dirname(here)) === 'dist' ? dirname(dirname(here)) : dirname(here);

/** The built command line, dist/scripts/cbench.js. */
export const CBENCH = join(PROJECT_ROOT, 'dist', 'scripts', 'cbench.js');

/** The path of the compiled module `name` beside the module at `fromUrl`. */
export function builtModule(fromUrl: string, name: string): string {
  const dir = dirname(fileURLToPath(fromUrl));
  if (fromUrl.endsWith('.js')) return join(dir, `${name}.js`);
  const inDist = join(PROJECT_ROOT, 'dist', relative(PROJECT_ROOT, dir), `${name}.js`);
  if (!existsSync(inDist)) throw new Error(`${inDist} is missing: run npm run build`);
  return inDist;
}
