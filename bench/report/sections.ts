// The report's sections, in the order the pages show them and their findings are said (their
// charts and terminal tables by their figureOrder). A new section is a file in sections/ and a
// line here.

import type { ReportSection } from './section.js';
import { capacitySection } from './sections/capacity.js';
import { cellsSection } from './sections/cells.js';
import { hostsSection } from './sections/hosts.js';
import { resilienceSection } from './sections/resilience.js';
import { routesSection } from './sections/routes.js';
import { scalingSection } from './sections/scaling.js';
import { verdictSection } from './sections/verdict.js';

export const SECTIONS: readonly ReportSection[] = [
  verdictSection,
  capacitySection,
  cellsSection,
  scalingSection,
  routesSection,
  hostsSection,
  resilienceSection,
];

/** The sections in the order of their charts and terminal tables. */
export const BY_FIGURES: readonly ReportSection[] = [...SECTIONS].sort((a, b) => a.figureOrder - b.figureOrder);
