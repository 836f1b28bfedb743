// After tsc: makes the package's bin files executable. tsc keeps a file's "#!/usr/bin/env node"
// line but writes it without the executable bit, and npm does not link a project's own bins on
// `npm ci`; without this, `npx cbench` in a fresh clone finds dist/scripts/cbench.js and cannot
// run it ("Permission denied"). `npm run build` runs it; so does the tests' global setup.

import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** chmod 755 on every file package.json lists under "bin"; returns their paths. */
export function markBinsExecutable(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  const files = Object.values(pkg.bin ?? {}).map((file) => join(root, file));
  for (const file of files) chmodSync(file, 0o755);
  return files;
}

// As a program (dist/scripts/bin-mode.js): the package root is two levels up.
if (process.argv[1] === fileURLToPath(import.meta.url)) markBinsExecutable(join(import.meta.dirname, '..', '..'));
