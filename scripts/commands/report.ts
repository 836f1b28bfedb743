// cbench report: report.md, report.html and charts/ from a results.json.

import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { firstLine } from '../../shared/first-line.js';
import { CommandFailed, EXIT_USAGE, usageOnError } from '../cli.js';

export function register(program: Command): void {
  usageOnError(program.command('report'))
    .description('write report.md, report.html and charts/ beside a results.json')
    .argument('[results]', "a results.json or run folder, or an A/B run's folder (a report for each side)", 'results/latest')
    .action(async (path: string, _opts: unknown, cmd: Command) => {
      if (!existsSync(path)) cmd.error(`error: ${path} does not exist (run cbench bench first, or name a results.json)`, { exitCode: EXIT_USAGE });
      // Loaded only here: the charts alone take about 0.3 s to load.
      const { writeReport } = await import('../../bench/report/write.js');
      const { abSides } = await import('../../bench/results/store.js');
      const ab = abSides(path);
      for (const one of ab === null ? [path] : [ab.base, ab.head]) {
        let written: Awaited<ReturnType<typeof writeReport>>;
        try {
          written = await writeReport(one);
        } catch (e) {
          throw new CommandFailed(firstLine(e));
        }
        process.stdout.write(`wrote ${written.markdown}\nwrote ${written.html}\nwrote ${written.charts.length} charts in ${dirname(written.html)}/charts\n`);
      }
    });
}
