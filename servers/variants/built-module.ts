// Worker processes and threads need a JavaScript file to run. From dist/ that is the sibling
// .js file; from the TypeScript sources (as under vitest) it is the same file in dist/, which the
// test setup builds first.

import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The path of the compiled module `name` beside the module at `fromUrl`. */
export function builtModule(fromUrl: string, name: string): string {
  const here = dirname(fileURLToPath(fromUrl));
  const sibling = join(here, `${name}.js`);
  if (fromUrl.endsWith('.js')) return sibling;
  const root = resolve(here, '..', '..');
  const inDist = join(root, 'dist', relative(root, here), `${name}.js`);
  if (!existsSync(inDist)) throw new Error(`${inDist} is missing: run npm run build`);
  return inDist;
}
