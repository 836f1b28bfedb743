// What `cbench bench` prints at the end of a run: each section's table (sections/), by their figureOrder.

import type { Results } from '../results/results.js';
import { BY_FIGURES } from './sections.js';

/** The tables of every section that has one for this run. */
export function terminalTables(results: Results): string[] {
  return BY_FIGURES.map((s) => s.terminal(results)).filter((t) => t !== '');
}
