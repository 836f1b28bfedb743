// cbench list: the server variants, their models and their own options.

import type { Command } from 'commander';
import { formatTable } from '../../bench/lib/format.js';
import { variantNames, variants } from '../../servers/variants/registry.js';
import type { ServerVariant } from '../../servers/variants/types.js';
import { usageOnError } from '../cli.js';

export function register(program: Command): void {
  usageOnError(program.command('list'))
    .description('list the server variants')
    .action(() => {
      const rows: string[][] = [['variant', 'model', 'what it is']];
      for (const name of variantNames) {
        const v: ServerVariant = variants[name];
        rows.push([name, v.model, v.description]);
        for (const o of v.options ?? []) rows.push(['', '', `  --${o.flag}: ${o.description} (default ${o.default})`]);
      }
      process.stdout.write(`${formatTable(rows)}\n`);
    });
}
