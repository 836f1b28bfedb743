// The report's charts: each section's (sections/), by their figureOrder, as SVG files.

import type { Results } from '../results/results.js';
import { BY_FIGURES } from './sections.js';
import type { Chart } from './vega.js';

export type { Chart } from './vega.js';

/** Every chart of a run. */
export async function charts(results: Results): Promise<Chart[]> {
  const out: Chart[] = [];
  for (const s of BY_FIGURES) out.push(...(await s.charts(results)));
  return out;
}
