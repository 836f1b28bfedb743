// What every command of cbench shares: the exit status of a usage error, one-line errors with the
// usage after them, and the parsers of option values.

import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseSshHost, type SshHost } from '../bench/lib/ssh.js';

/** Exit status for a usage error (bad flag or value), as most Unix tools use. */
export const EXIT_USAGE = 2;

/** Prints a usage error as one line plus the usage, instead of the whole help. */
export function usageOnError(cmd: Command): Command {
  return cmd.showHelpAfterError(`usage: ${commandPath(cmd)} ${cmd.usage()}`).exitOverride();
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** An integer from min to max. */
export function integer(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return Number(value);
  };
}

/** A comma-separated list of names from `valid`. */
export function listOf<T extends string>(valid: readonly T[], what: string) {
  return (value: string): T[] => {
    const items = value.split(',').map((x) => x.trim());
    for (const item of items) {
      if (!(valid as readonly string[]).includes(item)) throw new InvalidArgumentError(`unknown ${what} '${item}' (valid: ${valid.join(', ')})`);
    }
    return items as T[];
  };
}

/** A comma-separated list of integers of 1 or more. */
export function intList(value: string): number[] {
  const items = value.split(',').map((x) => x.trim());
  if (items.some((x) => !/^\d+$/.test(x) || Number(x) < 1)) throw new InvalidArgumentError('expected comma-separated integers of 1 or more');
  return items.map(Number);
}

/** A number of seconds above 0. */
export function positiveSeconds(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a number of seconds above 0`);
    return n;
  };
}

/** A number, 0 or more (seconds or percent, as `unit` says). */
export function nonNegative(flag: string, unit = 'seconds') {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a number of ${unit}, 0 or more`);
    return n;
  };
}

/** A command that could not do its work (not a usage error): `error: MESSAGE` on stderr, exit 1. */
export class CommandFailed extends Error {}

/** --threshold: repeatable, each expression kept as given and parsed once the command runs (objectives.ts). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The exit code of a run whose figures missed a --threshold (k6's), apart from a usage error (2) or a failure (1). */
export const EXIT_OBJECTIVE_FAILED = 99;

/** --threshold's help. */
export const THRESHOLD_HELP =
  "an absolute objective, [SELECTOR:]METRIC OP NUMBER[UNIT], e.g. 'json:p99<20ms', 'plaintext:rps>40000', '*:errors==0' (repeatable; metrics rps, capacity, p50, p90, p99, p99.9, errors, non2xx, cpu, rss); exit 99 when one fails";

/** --format's help (the names are checked once the command runs: bench/report/ci-formats.ts). */
export const FORMAT_HELP =
  'also write, beside the results, formats CI reads: github-action-benchmark (its custom JSON, bigger- and smaller-is-better), bencher (Bencher Metric Format), junit (JUnit XML: a case per threshold and per judged cell); comma-separated or repeated';

/** --server-cpus and --loadgen-cpus, as the commands that start servers and a generator take them. */
export interface CpuFlags {
  pin: boolean;
  serverCpus?: number;
  loadgenCpus?: number;
}

/** The CPU split's flags (plan/cpu-plan.ts) on a command. */
export function cpuOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--no-pin', 'do not pin the server and the load generator to separate CPUs (the plan still sets their counts)'))
    .addOption(
      new Option('--server-cpus <n>', "CPUs for the server (default: the plan's rule; the rest of those --loadgen-cpus leaves)").argParser(integer(1, 4096)),
    )
    .addOption(
      new Option('--loadgen-cpus <n>', "CPUs, and so threads, for the load generator (default: the plan's rule, half of them or so)").argParser(
        integer(1, 4096),
      ),
    );
}

/** The split a command's flags ask for, checked against this machine's CPUs; a usage error with the reason when it does not fit. */
export async function cpuAsk(o: CpuFlags, usage: (m: string) => never): Promise<{ serverCpus?: number; loadgenCpus?: number }> {
  const { planCpus } = await import('../bench/plan/cpu-plan.js');
  const { availableParallelism } = await import('node:os');
  try {
    planCpus({ ...o }, availableParallelism());
  } catch (e) {
    usage(e instanceof Error ? e.message : String(e));
  }
  return { ...(o.serverCpus === undefined ? {} : { serverCpus: o.serverCpus }), ...(o.loadgenCpus === undefined ? {} : { loadgenCpus: o.loadgenCpus }) };
}

/** A comma-separated list of hosts, `ssh://[user@]host[:port]` each, each once. */
export function hostList(value: string): SshHost[] {
  const hosts = value.split(',').map((x) => {
    try {
      return parseSshHost(x.trim());
    } catch (e) {
      throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
    }
  });
  const twice = hosts.find((h, i) => hosts.findIndex((x) => x.text === h.text) !== i);
  if (twice !== undefined) throw new InvalidArgumentError(`the host ${twice.text} is listed twice`);
  return hosts;
}
