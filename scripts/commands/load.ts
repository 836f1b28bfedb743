// cbench load URL: the builtin load generator as a command, for any HTTP/1.1 server (this suite's
// variants or anyone's, here or on another machine), like autocannon's and wrk's command lines.

import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { GENERATOR_BOUND_NOTE, generatorBoundOf, generatorSaturated, loadgenCpuShare, openLoopFigures } from '../../bench/analysis/saturation.js';
import type { SshHost } from '../../bench/lib/ssh.js';
import type { LoadOptions, LoadProgress, LoadReport } from '../../bench/loadgen/engine.js';
import { parseSegment, partOf, rangeText, type Segment, shareOf, WHOLE, widthOf } from '../../bench/loadgen/segment.js';
import type { HostShare } from '../../bench/loadgen/types.js';
import type { GeneratorBound } from '../../bench/results/results.js';
import { PROJECT_ROOT } from '../../shared/built.js';
import { firstLine } from '../../shared/first-line.js';
import {
  CommandFailed,
  collect,
  EXIT_OBJECTIVE_FAILED,
  EXIT_USAGE,
  FORMAT_HELP,
  hostList,
  integer,
  nonNegative,
  positiveSeconds,
  usageOnError,
} from '../cli.js';

interface LoadFlags {
  connections: number;
  pipelining: number;
  duration?: number;
  requests?: number;
  rate?: number;
  arrivals: 'constant' | 'poisson';
  method: string;
  body?: string;
  header: Array<[string, string]>;
  timeout: number;
  warmup?: number;
  json?: boolean;
  threshold: string[];
  format: string[];
  segment?: Segment;
  sample?: string;
  threads?: number;
  hosts?: SshHost[];
  remoteDir: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The open loop's warm-up unless --warmup says otherwise: a generator whose code is still being
 * compiled falls behind its schedule in its first few hundred milliseconds, and a window opened
 * then measures that (docs/load-generator.md, "Its open loop").
 */
const OPEN_LOOP_WARMUP_SEC = 1;

/** An http:// URL with a host; its port defaults to 80. */
export function parseTarget(value: string): { host: string; port: number; path: string; href: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`'${value}' is not a URL (expected http://host:port/path)`);
  }
  if (url.protocol !== 'http:') throw new InvalidArgumentError(`only http:// URLs are supported, not ${url.protocol}//`);
  if (url.hostname === '') throw new InvalidArgumentError(`'${value}' has no host`);
  // URL keeps brackets around an IPv6 address; net.connect wants it bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port === '' ? 80 : Number(url.port), path: `${url.pathname}${url.search}`, href: url.href };
}

/** `Name: value`, added to the ones before. */
function header(value: string, previous: Array<[string, string]>): Array<[string, string]> {
  const colon = value.indexOf(':');
  const name = colon === -1 ? '' : value.slice(0, colon).trim();
  if (!TOKEN.test(name)) throw new InvalidArgumentError(`'${value}' is not a header (expected 'Name: value')`);
  const v = value.slice(colon + 1).trim();
  if (/[\r\n]/.test(v)) throw new InvalidArgumentError('a header value cannot hold a line break');
  return [...previous, [name, v]];
}

function method(value: string): string {
  if (!TOKEN.test(value)) throw new InvalidArgumentError(`'${value}' is not a method`);
  return value.toUpperCase();
}

function segment(value: string): Segment {
  try {
    return parseSegment(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function rate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 10_000_000) throw new InvalidArgumentError('--rate must be a number of requests per second above 0');
  return n;
}

export function register(program: Command): void {
  // The argument first: the usage printed after an error is taken when usageOnError runs.
  usageOnError(program.command('load').argument('<url>', 'http://host:port/path'))
    .description('drive load at any HTTP/1.1 server with the builtin generator and print what it measured')
    .addOption(new Option('-c, --connections <n>', 'connections, opened and answered once before the clock starts').argParser(integer(1, 100_000)).default(10))
    .addOption(new Option('-p, --pipelining <n>', 'requests in flight per connection').argParser(integer(1, 1024)).default(1))
    .addOption(
      new Option('-d, --duration <seconds>', 'length of the measured window (default 10)').argParser(positiveSeconds('--duration')).conflicts('requests'),
    )
    .addOption(new Option('-n, --requests <n>', 'stop after this many responses instead').argParser(integer(1, Number.MAX_SAFE_INTEGER)))
    .addOption(
      new Option('-R, --rate <per-second>', 'open loop: requests due per second over all connections, latency counted from when each was due').argParser(rate),
    )
    .addOption(new Option('--arrivals <kind>', 'with --rate: evenly spaced, or a Poisson process').choices(['constant', 'poisson']).default('constant'))
    .addOption(new Option('-m, --method <method>', 'request method').argParser(method).default('GET'))
    .addOption(new Option('-b, --body <file>', 'send this file as the request body'))
    .addOption(new Option('-H, --header <header>', "a request header, 'Name: value' (repeat for more)").argParser(header).default([]))
    .addOption(
      new Option(
        '-w, --warmup <seconds>',
        `load before the measured window, recorded nowhere; the open loop keeps its schedule through it (default ${OPEN_LOOP_WARMUP_SEC} with --rate, else 0)`,
      ).argParser(nonNegative('--warmup')),
    )
    .addOption(new Option('--timeout <seconds>', 'a request unanswered this long is a timeout').argParser(positiveSeconds('--timeout')).default(10))
    .addOption(new Option('--json', 'print one JSON object instead of the table'))
    .addOption(
      new Option(
        '--threshold <expr>',
        "an absolute objective, METRIC OP NUMBER[UNIT], e.g. 'p99<20ms', 'rps>40000', 'errors==0' (repeatable; metrics rps, p50, p90, p99, p99.9, errors, non2xx); exit 99 when one fails",
      )
        .argParser(collect)
        .default([]),
    )
    .addOption(new Option('--format <list>', `${FORMAT_HELP} (into the current folder)`).argParser(collect).default([]))
    .addOption(
      new Option(
        '--segment <from:to>',
        "run only this part of the run the other options describe, e.g. '1/4:2/4': its share of the connections, of --requests and of --rate's arrivals; segments that cover 0:1, run anywhere at once, send what the whole run would",
      ).argParser(segment),
    )
    .addOption(
      new Option(
        '--threads <n>',
        'run in N worker threads of the generator, each an equal segment of the run with an event loop of its own, started together; their figures merged (histograms added)',
      ).argParser(integer(1, 64)),
    )
    .addOption(
      new Option('--sample <file>', 'also write what was measured, histograms included, as a file `cbench merge` merges with the other segments of the run'),
    )
    .addOption(
      new Option(
        '--hosts <list>',
        'run from these load hosts over OpenSSH (ssh://[user@]host[:port], comma-separated), one equal segment each (--threads threads on each), started together, merged',
      ).argParser(hostList),
    )
    .addOption(new Option('--remote-dir <dir>', "with --hosts: this project's checkout on every host, built, at this one's commit").default(PROJECT_ROOT))
    .action(async (urlText: string, o: LoadFlags, cmd: Command) => {
      if (o.hosts === undefined && cmd.getOptionValueSource('remoteDir') === 'cli') cmd.error('error: --remote-dir is for --hosts', { exitCode: EXIT_USAGE });
      // Every thread of every segment needs a connection and, with --requests, a request of its own.
      const whole = o.segment ?? WHOLE;
      const ways = (o.threads ?? 1) * (o.hosts?.length ?? 1);
      const parts = Array.from({ length: ways }, (_, i) => partOf(whole, i, ways));
      const where = (i: number) =>
        o.hosts !== undefined
          ? `part ${i + 1} of ${ways} (hosts × threads)`
          : ways > 1
            ? `thread ${i + 1} of --threads ${o.threads}`
            : `--segment ${whole.text}`;
      for (const [i, part] of parts.entries()) {
        const c = shareOf(o.connections, part);
        if (c.hi <= c.lo)
          cmd.error(`error: ${where(i)} would have none of the ${o.connections} connections: ask for more --connections`, { exitCode: EXIT_USAGE });
        const n = o.requests === undefined ? undefined : shareOf(o.requests, part);
        if (n !== undefined && n.hi <= n.lo)
          cmd.error(`error: ${where(i)} would have none of the ${o.requests} requests: ask for more --requests`, { exitCode: EXIT_USAGE });
      }
      if (o.rate === undefined && cmd.getOptionValueSource('arrivals') === 'cli') {
        cmd.error('error: --arrivals needs --rate (a closed loop sends when answers arrive)', { exitCode: EXIT_USAGE });
      }
      let target: ReturnType<typeof parseTarget>;
      let body: Buffer | undefined;
      try {
        target = parseTarget(urlText);
        body = o.body === undefined ? undefined : readFileSync(o.body);
      } catch (e) {
        cmd.error(`error: ${e instanceof InvalidArgumentError ? e.message : `cannot read --body: ${(e as Error).message}`}`, { exitCode: EXIT_USAGE });
        return;
      }
      const { evaluateObjectives, loadFigures, parseObjective, renderObjectives } = await import('../../bench/analysis/objectives.js');
      const objectives = o.threshold.map((t) => {
        try {
          const parsed = parseObjective(t);
          if (parsed.selector !== '*') throw new Error(`'${t}': cbench load measures one target, so no selector (or '*')`);
          return parsed;
        } catch (e) {
          return cmd.error(`error: --threshold ${firstLine(e)}`, { exitCode: EXIT_USAGE });
        }
      });
      const { parseCiFormats, writeCiFormats } = await import('../../bench/report/ci-formats.js');
      let formats: ReturnType<typeof parseCiFormats> = [];
      try {
        formats = parseCiFormats(o.format);
      } catch (e) {
        cmd.error(`error: --format: ${firstLine(e)}`, { exitCode: EXIT_USAGE });
      }
      const { runLoad } = await import('../../bench/loadgen/engine.js');
      const warmupSec = o.warmup ?? (o.rate === undefined ? 0 : OPEN_LOOP_WARMUP_SEC);
      const options: LoadOptions = {
        host: target.host,
        port: target.port,
        path: target.path,
        method: o.method,
        headers: o.header,
        ...(body === undefined ? {} : { body }),
        connections: o.connections,
        pipelining: o.pipelining,
        ...(o.requests === undefined ? { durationSec: o.duration ?? 10 } : { requests: o.requests }),
        ...(o.rate === undefined ? {} : { rate: o.rate, arrivals: o.arrivals }),
        timeoutSec: o.timeout,
        ...(warmupSec > 0 ? { warmupSec } : {}),
        ...(o.segment === undefined ? {} : { segment: o.segment }),
      };
      const threads = o.threads ?? 1;
      // One thread shows its progress live; several report when done.
      const live = process.stderr.isTTY && o.json !== true && threads === 1;
      let report: LoadReport;
      let perThread: number[] | undefined;
      let perHost: HostShare[] | undefined;
      if (o.hosts !== undefined) {
        const { checkHosts, runOnHosts } = await import('../../bench/loadgen/hosts.js');
        const hosts = { hosts: o.hosts, remoteDir: o.remoteDir };
        try {
          await checkHosts(hosts);
          ({ report, perHost } = await runOnHosts(options, hosts, threads));
        } catch (e) {
          throw new CommandFailed(firstLine(e));
        }
      } else if (threads === 1) report = await runLoad(options, live ? showProgress : undefined);
      else {
        const { runThreads } = await import('../../bench/loadgen/threads.js');
        ({ report, perThread } = await runThreads(options, threads));
      }
      if (live) process.stderr.write('\r\x1b[K');
      if (o.sample !== undefined) {
        const { sampleFile } = await import('../../bench/loadgen/merge.js');
        const { writeFileAtomic } = await import('../../bench/results/store.js');
        writeFileAtomic(o.sample, `${JSON.stringify(sampleFile(target.href, options, report))}\n`);
      }
      const checked = evaluateObjectives(objectives, [{ variant: 'load', workload: '', name: target.href, figures: loadFigures(report) }]);
      const json = {
        ...asJson(target.href, options, report),
        ...(perThread === undefined ? {} : { threads, perThread }),
        ...(perHost === undefined ? {} : { hosts: perHost }),
        ...(objectives.length === 0 ? {} : { thresholds: checked }),
      };
      process.stdout.write(o.json === true ? `${JSON.stringify(json)}\n` : await summary(target.href, options, report));
      if (perHost !== undefined && o.json !== true) {
        const { formatInt, formatTable } = await import('../../bench/lib/format.js');
        const rows = perHost.map((x) => [
          x.host,
          x.segment,
          String(x.connections),
          formatInt(x.requestsPerSec),
          `${Math.round(x.loadgenCpus * 100)}%`,
          x.p99Ms.toFixed(2),
        ]);
        process.stdout.write(`\n${formatTable([['host', 'segment', 'conn', 'req/s', 'its CPU', 'p99 ms'], ...rows], (i) => i >= 2)}\n`);
      }
      if (objectives.length > 0 && o.json !== true) {
        const { formatTable } = await import('../../bench/lib/format.js');
        process.stdout.write(`\n${formatTable(renderObjectives(checked))}\n`);
      }
      const one = (x: number) => ({ median: x, min: x, max: x });
      const measured = {
        name: `${options.method} ${target.href} c=${options.connections} p=${options.pipelining}`,
        requestsPerSec: one(report.requestsPerSec),
        latencyP99Ms: one(report.latencyMs.p99),
        serverCpuUsPerRequest: null,
        capacityRps: null,
        note: 'one run of cbench load',
      };
      for (const file of writeCiFormats('.', formats, { cells: [measured], objectives: objectives.length === 0 ? null : checked, comparison: null }))
        if (o.json !== true) process.stdout.write(`wrote ${file}\n`);
      if (report.requests === 0) {
        process.stderr.write('error: no request completed\n');
        process.exitCode = 1;
      } else if (checked.some((c) => !c.pass)) process.exitCode = EXIT_OBJECTIVE_FAILED;
    });
}

function showProgress(p: LoadProgress): void {
  const rps = p.elapsedSec > 0 ? Math.round(p.requests / p.elapsedSec) : 0;
  process.stderr.write(`\r\x1b[K${p.elapsedSec.toFixed(0)} s: ${p.requests} responses, ${rps} req/s, ${p.errors} errors`);
}

/** The `--json` object: the figures a script needs, in stable names. */
export function asJson(url: string, o: LoadOptions, r: LoadReport) {
  return {
    url,
    connections: o.connections,
    pipelining: o.pipelining,
    mode: o.rate === undefined ? 'closed' : 'open',
    ...(o.segment === undefined ? {} : { segment: { from: o.segment.from, to: o.segment.to } }),
    requests: r.requests,
    durationSec: r.durationSec,
    requestsPerSec: r.requestsPerSec,
    bytesPerSec: r.bytesPerSec,
    latencyMs: r.latencyMs,
    errors: r.errors + r.timeouts + r.resets,
    connectionErrors: r.errors,
    timeouts: r.timeouts,
    resets: r.resets,
    non2xx: r.non2xx,
    reconnects: r.reconnects,
    fairness: r.fairness,
    firstResponseMs: r.firstResponseMs,
    openLoop: r.openLoop,
    loadgenCpuSec: r.loadgenCpuSec,
    /** Why the generator, not the server, made this run's figures (bench/analysis/saturation.ts), or null. */
    generatorBound: boundOf(r),
  };
}

/** The generator-bound rule on a run of this command. */
function boundOf(r: LoadReport): GeneratorBound | null {
  if (r.openLoop === null) return generatorSaturated({ loadgenCpuShare: loadgenCpuShare(r) }) ? 'saturated' : null;
  return generatorBoundOf(openLoopFigures(r.openLoop, r.latencyMs.p99, loadgenCpuShare(r)));
}

export async function summary(url: string, o: LoadOptions, r: LoadReport): Promise<string> {
  const { formatInt, formatTable } = await import('../../bench/lib/format.js');
  const ms = (v: number) => (v < 10 ? v.toFixed(3) : v < 1000 ? v.toFixed(1) : formatInt(v));
  const l = r.latencyMs;
  const warm = o.warmupSec === undefined ? '' : `, after a ${o.warmupSec} s warm-up`;
  const mode = (o.rate === undefined ? 'closed loop' : `open loop at ${formatInt(o.rate)} req/s (${o.arrivals ?? 'constant'} arrivals)`) + warm;
  const part = o.segment === undefined ? '' : segmentText(o.connections, o.rate, o.segment, formatInt);
  const lines = [
    `${o.method} ${url}: ${o.connections} connections, pipelining ${o.pipelining}, ${mode}${part}`,
    '',
    formatTable(
      [
        ['latency (ms)', 'p50', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'mean'],
        ['', ms(l.p50), ms(l.p90), ms(l.p99), ms(l.p99_9), ms(l.p99_99), ms(l.max), ms(l.mean)],
      ],
      (c) => c > 0,
    ),
    '',
    `${formatInt(r.requests)} responses in ${r.durationSec.toFixed(2)} s: ${formatInt(r.requestsPerSec)} req/s, ${(r.bytesPerSec / 1048576).toFixed(1)} MiB/s read`,
    `errors: ${r.errors} connection, ${r.timeouts} timeouts, ${r.resets} resets; ${r.non2xx} non-2xx responses; ${r.reconnects} reconnects`,
    `fairness: Jain ${r.fairness.jain.toFixed(3)}; responses per connection min ${formatInt(r.fairness.min)}, median ${formatInt(r.fairness.median)}, max ${formatInt(r.fairness.max)}`,
    `first response on a fresh connection (before the window): p50 ${ms(r.firstResponseMs.p50)} ms, p99 ${ms(r.firstResponseMs.p99)} ms, max ${ms(r.firstResponseMs.max)} ms` +
      (r.firstResponseMs.failed > 0 ? `; ${r.firstResponseMs.failed} connections never answered` : ''),
    `load generator CPU: ${((100 * r.loadgenCpuSec) / Math.max(r.durationSec, 1e-9)).toFixed(0)}% of one core`,
  ];
  const open = r.openLoop;
  if (open !== null) {
    lines.push(
      `open loop: ${formatInt(open.due)} requests came due, ${formatInt(open.late)} sent late because every connection was busy` +
        `${open.unsent > 0 ? `, ${formatInt(open.unsent)} never sent` : ''}; send lag p99 ${ms(open.sendLagMs.p99)} ms`,
    );
    const { heldUpShare } = openLoopFigures(open, l.p99, loadgenCpuShare(r));
    lines.push(
      `the generator: schedule lag p99 ${ms(open.scheduleLagMs.p99)} ms, loop delay p99 ${ms(open.loopDelayMs.p99)} ms (max ${ms(open.loopDelayMs.max)}); ` +
        `it held up ${(heldUpShare * 100).toFixed(2)}% of the requests, and the others had p99 ${ms(open.notHeldLatencyMs.p99)} ms`,
    );
    const bound = boundOf(r);
    if (bound !== null)
      lines.push(
        `  generator-bound: ${GENERATOR_BOUND_NOTE[bound]}; this tail is not the server's (a generator with a core to itself, or fewer req/s, would tell)`,
      );
    else if (open.late > 0) lines.push('  (more connections would let the generator keep the schedule; the late requests still count from when they were due)');
  } else if (boundOf(r) !== null) lines.push("  generator-bound: the load generator used up its CPU; these figures are a floor, not the server's limit");
  return `${lines.join('\n')}\n`;
}

/** `; segment 1/4 to 2/4 of that run: connections 64 to 127, about 10,000 req/s of it`. */
function segmentText(connections: number, rate: number | undefined, s: Pick<Segment, 'from' | 'to'>, formatInt: (n: number) => string): string {
  const { lo, hi } = shareOf(connections, s);
  const share = rate === undefined ? '' : `, about ${formatInt(rate * widthOf(s))} req/s of it`;
  return `; the segment ${rangeText(s, '–')} of that run: connections ${lo} to ${hi - 1}${share}`;
}
