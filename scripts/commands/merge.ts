// cbench merge FILE...: the samples of a run's segments (`cbench load --segment ... --sample FILE`),
// run in other processes or on other machines, merged into the report the whole run would give. A
// file that cannot be read or is not a sample is a runtime error (exit 1); samples that do not make
// up one run, a usage error (exit 2).

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { rangeText } from '../../bench/loadgen/segment.js';
import { firstLine } from '../../shared/first-line.js';
import { CommandFailed, EXIT_USAGE, usageOnError } from '../cli.js';

export function register(program: Command): void {
  usageOnError(program.command('merge'))
    .description("merge the samples of a run's segments (cbench load --segment F:T --sample FILE) into the whole run's figures")
    .argument('<files...>', 'one sample file per segment; together they must cover the run, 0:1')
    .option('--json', 'print one JSON object instead of the table')
    .action(async (files: string[], o: { json?: boolean }, cmd: Command) => {
      const { loadSampleFileSchema, mergeSampleFiles } = await import('../../bench/loadgen/merge.js');
      const samples = files.map((name) => {
        let data: unknown;
        try {
          data = JSON.parse(readFileSync(name, 'utf8'));
        } catch (e) {
          throw new CommandFailed(`${name}: ${firstLine(e)}`);
        }
        const parsed = loadSampleFileSchema.safeParse(data);
        if (!parsed.success)
          throw new CommandFailed(
            `${name} is not a sample of cbench load --sample: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          );
        return { name, sample: parsed.data };
      });
      let merged: ReturnType<typeof mergeSampleFiles>;
      try {
        merged = mergeSampleFiles(samples);
      } catch (e) {
        return cmd.error(`error: ${firstLine(e)}`, { exitCode: EXIT_USAGE });
      }
      const { asJson, summary } = await import('./load.js');
      const url = new URL(merged.url);
      const r = merged.run;
      const options = {
        host: url.hostname,
        port: Number(url.port || 80),
        path: `${url.pathname}${url.search}`,
        method: r.method,
        headers: [],
        connections: r.connections,
        pipelining: r.pipelining,
        ...(r.requests === null ? { durationSec: r.durationSec ?? 0 } : { requests: r.requests }),
        ...(r.rate === null ? {} : { rate: r.rate, arrivals: r.arrivals ?? 'constant' }),
        timeoutSec: 0,
      };
      const head = `merged ${samples.length} segment${samples.length === 1 ? '' : 's'}: ${samples.map((s) => `${rangeText(s.sample.segment, '–')} (${s.name})`).join(', ')}\n`;
      process.stdout.write(
        o.json === true
          ? `${JSON.stringify({ ...asJson(merged.url, options, merged.report), segments: samples.length })}\n`
          : head + (await summary(merged.url, options, merged.report)),
      );
    });
}
