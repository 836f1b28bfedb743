// cbench new-variant NAME: a working variant from a template, registered in one line.

import { relative } from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../../shared/built.js';
import { EXIT_USAGE, usageOnError } from '../cli.js';
import { addVariant, NewVariantError } from '../new-variant.js';

export function register(program: Command): void {
  usageOnError(program.command('new-variant'))
    .description('write servers/variants/NAME.ts from a template and register it')
    .argument('<name>', 'kebab-case name of the new variant')
    .action((name: string, _opts: unknown, cmd: Command) => {
      try {
        for (const path of addVariant(PROJECT_ROOT, name)) process.stdout.write(`wrote ${relative(process.cwd(), path) || path}\n`);
      } catch (e) {
        if (e instanceof NewVariantError) cmd.error(`error: ${e.message}`, { exitCode: EXIT_USAGE });
        throw e;
      }
      process.stdout.write(`run its conformance tests: npx vitest run servers/variants/conformance.test.ts -t "conformance: ${name}"\n`);
    });
}
