// `cbench new-variant NAME`: writes servers/variants/NAME.ts from a template and registers it.
// The new variant starts as the single event loop on the shared core, so the conformance suite
// passes on it at once; from there, its start() is what to change.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../../shared/built.js';
import { EXIT_USAGE, usageOnError } from '../cli.js';

/** Kebab-case: lower-case words of letters and digits joined by single dashes. */
export const VARIANT_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** The exported constant for a variant name: `my-model` → `myModelVariant`. */
export function exportName(name: string): string {
  return `${name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())}Variant`;
}

function template(name: string): string {
  return `// ${name}: TODO say which concurrency model this variant demonstrates and how it differs.
// Written by \`cbench new-variant\`. It starts as one event loop on the shared core, so the
// conformance suite passes at once; change start() to try another model, and list in \`skips\`
// (with the reason) any conformance case the model cannot pass.

import { CoreServer } from '../core/server.js';
import { coreOptions, routesFor, type ServerVariant } from './types.js';

export const ${exportName(name)}: ServerVariant<'${name}'> = {
  name: '${name}',
  description: 'TODO: one line on what ${name} does differently',
  model: 'event-loop',
  usesWorkers: false,
  skips: {},
  async start(options) {
    const { port, host, connection } = options;
    // The built-in routes, and an app's (--app) with its own methods, as every variant serves them.
    const routes = await routesFor(options);
    const server = new CoreServer(routes.handle, coreOptions(connection, routes));
    const address = await server.listen(port, host);
    return { host, port: address.port, info: {}, pids: () => [process.pid], close: (graceMs) => server.close(graceMs) };
  },
};
`;
}

/** Thrown for a name that cannot be used; the message is for the user. */
export class NewVariantError extends Error {}

/** Writes the variant file and its registry line; returns the two paths touched. */
export function addVariant(root: string, name: string): string[] {
  if (!VARIANT_NAME.test(name) || name.length > 40) {
    throw new NewVariantError(`invalid variant name '${name}': use kebab-case, e.g. my-model (at most 40 characters)`);
  }
  const dir = join(root, 'servers', 'variants');
  const file = join(dir, `${name}.ts`);
  const registryPath = join(dir, 'registry.ts');
  const registry = readFileSync(registryPath, 'utf8');
  if (existsSync(file) || registry.includes(`'${name}':`)) throw new NewVariantError(`variant '${name}' already exists`);

  const lines = registry.split('\n');
  const source = (line: string) => /^import (?:type )?\{ [\w, ]+ \} from '(\.\/[\w-]+\.js)';$/.exec(line)?.[1];
  const imports = lines.flatMap((l, i) => (source(l) === undefined ? [] : [i]));
  const end = lines.findIndex((l) => l.startsWith('} as const satisfies'));
  const lastImport = imports.at(-1);
  if (lastImport === undefined || end === -1) throw new Error(`${registryPath} is not in the shape new-variant expects`);
  lines.splice(end, 0, `  '${name}': ${exportName(name)},`);
  // Among the imports in the order of their sources, as the formatter keeps them.
  const ours = `./${name}.js`;
  const before = imports.find((i) => (source(lines[i] ?? '') ?? '') > ours);
  lines.splice(before ?? lastImport + 1, 0, `import { ${exportName(name)} } from '${ours}';`);

  writeFileSync(file, template(name));
  writeFileSync(registryPath, lines.join('\n'));
  return [file, registryPath];
}

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
