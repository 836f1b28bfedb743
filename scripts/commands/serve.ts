// cbench serve: one variant in the foreground until SIGINT or SIGTERM. The harness starts one for
// every measurement, so this loads the servers and nothing of the harness.

import { type Command, InvalidArgumentError, Option } from 'commander';
import { AppError, loadApp } from '../../servers/routes/app.js';
import { isVariantName, variantNames, variants } from '../../servers/variants/registry.js';
import type { RunningServer, ServerVariant, VariantOption } from '../../servers/variants/types.js';
import { infoLine, listeningLine } from '../../shared/serve-protocol.js';
import { EXIT_USAGE, integer, usageOnError } from '../cli.js';

function variantName(value: string): string {
  if (!isVariantName(value)) throw new InvalidArgumentError(`unknown variant '${value}' (known: ${variantNames.join(', ')})`);
  return value;
}

/** Every variant's own options, by flag, with the variants that offer each. */
function variantOptions(): Map<string, { option: VariantOption; owners: string[] }> {
  const byFlag = new Map<string, { option: VariantOption; owners: string[] }>();
  for (const name of variantNames) {
    for (const option of variants[name].options ?? []) {
      const entry = byFlag.get(option.flag);
      if (entry === undefined) byFlag.set(option.flag, { option, owners: [name] });
      else entry.owners.push(name);
    }
  }
  return byFlag;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function register(program: Command): void {
  const serve = usageOnError(program.command('serve'))
    .description('run one server variant in the foreground until SIGINT or SIGTERM')
    .addOption(new Option('--variant <name>', `server variant: ${variantNames.join(', ')}`).argParser(variantName).makeOptionMandatory())
    .addOption(new Option('--port <n>', 'port to listen on; 0 picks a free one').argParser(integer(0, 65535)).default(3000))
    .addOption(new Option('--host <address>', 'address to listen on').default('127.0.0.1'))
    .addOption(
      new Option('--app <file>', 'an ES module whose default export names routes ({ routes: { "GET /hello": handler } }), served beside the built-in ones'),
    )
    .addOption(
      new Option(
        '--workers <n>',
        `processes or threads, for ${variantNames.filter((n) => variants[n].usesWorkers).join(', ')} (default: available CPUs)`,
      ).argParser(integer(1, 1024)),
    )
    // Hidden: for tests and the resilience profile, which must see a headers or idle timeout
    // happen in seconds rather than wait out the core's defaults (10 s, 5 s). node-http maps them.
    .addOption(new Option('--headers-timeout <ms>', "the connection's headers timeout (408), ms").argParser(integer(1, 3_600_000)).hideHelp())
    .addOption(new Option('--keep-alive-timeout <ms>', "the connection's idle keep-alive timeout, ms").argParser(integer(1, 3_600_000)).hideHelp());
  for (const [flag, { option, owners }] of variantOptions()) {
    const o = new Option(`--${flag} <value>`, `${owners.join(', ')}: ${option.description} (default ${option.default})`);
    if (option.choices !== undefined) o.choices(option.choices);
    if (option.integer !== undefined) o.argParser(integer(option.integer.min, option.integer.max));
    serve.addOption(o);
  }
  serve.action(run);
}

async function run(opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const name = String(opts.variant);
  if (!isVariantName(name)) throw new Error('unreachable: variant validated by the parser');
  const variant: ServerVariant = variants[name];
  const own = new Set((variant.options ?? []).map((o) => o.flag));
  const extra: Record<string, string | number> = {};
  for (const [flag, { owners }] of variantOptions()) {
    const value = opts[camel(flag)];
    if (value === undefined) continue;
    if (!own.has(flag)) cmd.error(`error: --${flag} does not apply to ${name} (it is an option of ${owners.join(', ')})`, { exitCode: EXIT_USAGE });
    extra[flag] = value as string | number;
  }
  if (opts.workers !== undefined && !variant.usesWorkers) {
    cmd.error(`error: --workers does not apply to ${name}, which runs one process and one thread`, { exitCode: EXIT_USAGE });
  }
  const app = opts.app === undefined ? undefined : await checkedApp(String(opts.app), cmd);
  const connection = {
    ...(opts.headersTimeout === undefined ? {} : { headersTimeoutMs: opts.headersTimeout as number }),
    ...(opts.keepAliveTimeout === undefined ? {} : { keepAliveTimeoutMs: opts.keepAliveTimeout as number }),
  };
  const options = {
    port: opts.port as number,
    host: opts.host as string,
    extra,
    ...(Object.keys(connection).length === 0 ? {} : { connection }),
    ...(opts.workers === undefined ? {} : { workers: opts.workers as number }),
    ...(app === undefined ? {} : { app }),
  };
  let server: RunningServer;
  try {
    server = await variant.start(options);
  } catch (e) {
    process.stderr.write(`cbench serve: ${variant.name} failed to start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(listeningLine(server.host, server.port));
  const info = infoLine(variant.name, server.info);
  if (info !== null) process.stderr.write(info);
  if (app !== undefined) process.stderr.write(`serving the app ${app} beside the built-in routes\n`);

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

/** The app's absolute path once it loads and checks out; a usage error (exit 2) with its one line otherwise. */
async function checkedApp(file: string, cmd: Command): Promise<string> {
  try {
    return (await loadApp(file)).file;
  } catch (e) {
    if (e instanceof AppError) cmd.error(`error: ${e.message}`, { exitCode: EXIT_USAGE });
    throw e;
  }
}
