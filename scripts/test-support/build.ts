// vitest global setup: builds dist/ once, so tests that run the CLI as a process run this code.

import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { markBinsExecutable } from '../bin-mode.js';

export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  markBinsExecutable(join(import.meta.dirname, '..', '..'));
}
