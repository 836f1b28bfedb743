// cbench list: the server variants, their models and their own options.

import type { Command } from 'commander';
import { variantNames, variants } from '../../servers/variants/registry.js';
import type { ServerVariant } from '../../servers/variants/types.js';
import { usageOnError } from '../cli.js';

export function register(program: Command): void {
  usageOnError(program.command('list'))
    .description('list the server variants')
    .action(() => {
      const width = Math.max(...variantNames.map((n) => n.length));
      for (const name of variantNames) {
        const v: ServerVariant = variants[name];
        process.stdout.write(`${name.padEnd(width)}  ${v.model.padEnd(13)}  ${v.description}\n`);
        for (const o of v.options ?? []) process.stdout.write(`${''.padEnd(width + 17)}--${o.flag}: ${o.description} (default ${o.default})\n`);
      }
    });
}
