// Findings: sentences computed from the numbers of one run, never written in advance. Each
// section says its own (sections/); then what limits their figures; then what the run as a
// whole says.

import type { Results } from '../results/results.js';
import { SECTIONS } from './sections.js';

/** Every finding of a run: each section's, in the sections' order, then their caveats, then the run's notes. */
export function findings(results: Results): string[] {
  const each = SECTIONS.map((s) => s.findings(results));
  return [...each.flatMap((f) => f.findings), ...each.flatMap((f) => f.caveats), ...runNotes(results)];
}

/** What the run as a whole says: variants not measured, the pinning's effect on workers, an interrupted run. */
export function runNotes(results: Results): string[] {
  const out: string[] = [];
  for (const v of results.variants) {
    if (v.status === 'refused') out.push(`${v.name} was refused and not measured: ${v.reason}.`);
    else if (v.status === 'failed') out.push(`${v.name} was stopped by a failure: ${v.reason}.`);
    else if (v.status === 'not-run') out.push(`${v.name} was not run: the run was interrupted first.`);
  }
  const killWorkers = results.settings.resilience?.killWorkers;
  // The models whose workers default to one per CPU the server was given.
  const withWorkers = results.variants.filter((v) => v.model === 'multi-process' || v.model === 'thread-pool').map((v) => v.name);
  const processes = results.variants.filter((v) => v.model === 'multi-process').map((v) => v.name);
  if (pinnedServerCpus(results.environment) === 1 && withWorkers.length > 0 && results.settings.workers === null)
    out.push(
      `The server was pinned to one CPU (the load generator ran on CPUs of its own), so ${withWorkers.join(' and ')} ran with one worker each here` +
        (killWorkers === undefined || processes.length === 0
          ? '.'
          : ` (but for the killed worker, where ${processes.join(' and ')} ran ${killWorkers}, sharing that CPU).`),
    );
  if (results.status === 'incomplete') out.push('This run was interrupted: the results are incomplete.');
  return out;
}

/** CPUs the server was pinned to (`1`, `1-3` or `1,3`; the plan's count from version 10), or null when it was not pinned. */
export function pinnedServerCpus(e: Results['environment']): number | null {
  if (e.cpuPlan !== null) return e.cpuPlan.pinned ? e.cpuPlan.server : null;
  if (e.pinning.server === null) return null;
  return e.pinning.server.split(',').reduce((n, part) => {
    const [a, b] = part.split('-').map(Number);
    return n + (b === undefined ? 1 : (b as number) - (a as number) + 1);
  }, 0);
}
