#!/usr/bin/env node
// cbench: the command line of concurrency-bench.

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { isVariantName, variantNames, variants } from '../servers/variants/registry.js';
import type { RunningServer } from '../servers/variants/types.js';

/** Exit status for a usage error (bad flag or value), as most Unix tools use. */
const EXIT_USAGE = 2;

function integer(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return Number(value);
  };
}

function variantName(value: string): string {
  if (!isVariantName(value)) throw new InvalidArgumentError(`unknown variant '${value}' (known: ${variantNames.join(', ')})`);
  return value;
}

/** Prints a usage error as one line plus the usage, instead of the whole help. */
function usageOnError(cmd: Command): Command {
  return cmd.showHelpAfterError(`usage: ${commandPath(cmd)} ${cmd.usage()}`).exitOverride();
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

async function serve(opts: { variant: string; port: number; host: string; workers?: number }): Promise<void> {
  if (!isVariantName(opts.variant)) throw new Error('unreachable: variant validated by the parser');
  const variant = variants[opts.variant];
  let server: RunningServer;
  try {
    server = await variant.start({ port: opts.port, host: opts.host, ...(opts.workers === undefined ? {} : { workers: opts.workers }) });
  } catch (e) {
    process.stderr.write(`cbench serve: ${variant.name} failed to start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const shownHost = server.host.includes(':') ? `[${server.host}]` : server.host;
  process.stdout.write(`listening on http://${shownHost}:${server.port}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`cbench serve: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    server.close(3_000).then(
      () => process.exit(0),
      (e: Error) => {
        process.stderr.write(`cbench serve: shutdown failed: ${e.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export function buildProgram(): Command {
  const program = usageOnError(new Command('cbench'))
    .description('Which concurrency model should a Node.js HTTP server use? Honest numbers from one shared HTTP/1.1 core.')
    .usage('<command> [options]')
    .showSuggestionAfterError();

  usageOnError(program.command('list'))
    .description('list the server variants')
    .action(() => {
      const width = Math.max(...variantNames.map((n) => n.length));
      for (const name of variantNames) {
        const v = variants[name];
        process.stdout.write(`${name.padEnd(width)}  ${v.model.padEnd(13)}  ${v.description}\n`);
      }
    });

  usageOnError(program.command('serve'))
    .description('run one server variant in the foreground until SIGINT or SIGTERM')
    .addOption(new Option('--variant <name>', `server variant: ${variantNames.join(', ')}`).argParser(variantName).makeOptionMandatory())
    .addOption(new Option('--port <n>', 'port to listen on; 0 picks a free one').argParser(integer(0, 65535)).default(3000))
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .addOption(new Option('--workers <n>', 'processes or threads, for variants that have them').argParser(integer(1, 1024)))
    .action(serve);

  return program;
}

const program = buildProgram();
program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) {
    process.exit(e.exitCode === 0 ? 0 : EXIT_USAGE);
  }
  process.stderr.write(`cbench: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
