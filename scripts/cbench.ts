#!/usr/bin/env node

// cbench: the command line of concurrency-bench. One module per command in commands/; only the
// command asked for is loaded, so `serve`, which the harness starts for every measurement, loads
// the servers and nothing of the harness.

import { Command, CommanderError } from 'commander';
import { CommandFailed, EXIT_USAGE, usageOnError } from './cli.js';

/** Each command's module, which registers its options and action on the program. */
const commands = {
  list: () => import('./commands/list.js'),
  serve: () => import('./commands/serve.js'),
  bench: () => import('./commands/bench.js'),
  report: () => import('./commands/report.js'),
  compare: () => import('./commands/compare.js'),
  calibrate: () => import('./commands/calibrate.js'),
  load: () => import('./commands/load.js'),
  merge: () => import('./commands/merge.js'),
  'new-variant': () => import('./commands/new-variant.js'),
} as const satisfies Record<string, () => Promise<{ register(program: Command): void }>>;

type CommandName = keyof typeof commands;
const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(commands, name);

/** The program with the named commands, or every command (for help and for suggestions on a typo). */
async function buildProgram(only?: CommandName): Promise<Command> {
  const program = usageOnError(new Command('cbench'))
    .description('Which concurrency model should a Node.js HTTP server use? Honest numbers from one shared HTTP/1.1 core.')
    .usage('<command> [options]')
    .showSuggestionAfterError();
  for (const name of only === undefined ? (Object.keys(commands) as CommandName[]) : [only]) (await commands[name]()).register(program);
  return program;
}

const asked = process.argv[2];
const program = await buildProgram(isCommand(asked) ? asked : undefined);
program.parseAsync(process.argv).catch((e: unknown) => {
  // Commander's own errors are usage errors (it gives them exit code 1); they have been printed.
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : EXIT_USAGE);
  if (e instanceof CommandFailed) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`cbench: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
