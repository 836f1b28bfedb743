// A section of the report: everything one part of a run's figures shows, in one place. The
// Markdown and HTML pages, the charts, the findings and the lines `cbench bench` prints walk the
// list of sections (sections.ts); a section with nothing to show for a run gives nothing.

import type { Results } from '../results/results.js';
import type { TableBlock } from './table.js';
import type { Chart } from './vega.js';

/** A section's findings and its caveats. */
export interface SectionFindings {
  findings: string[];
  caveats: string[];
}

/** Said when a section has nothing to say of a run (or says it all as findings). */
export const findingsOnly = (findings: string[]): SectionFindings => ({ findings, caveats: [] });

export interface ReportSection {
  /** Its name: the HTML section's class. */
  readonly id: string;
  /**
   * Where its charts and its terminal table go among the others', lowest first: the closed-loop
   * cells' come first and what builds on them after, while the pages and the findings follow the
   * sections' own order (a capacity run's answer, its capacities, first).
   */
  readonly figureOrder: number;
  /** Shown before the findings, as the answer they explain (the verdict). */
  readonly lead?: boolean;
  /** Lines it adds to the run's header (what was run, and how). */
  header(r: Results): string[];
  /**
   * Its findings, in the order to read them, and what limits its figures (its caveats, said after
   * every section's findings), worked out together.
   */
  findings(r: Results): SectionFindings;
  /**
   * Its tables: under a heading of its own with an introduction (`title`), each table a level
   * below (none when a table's heading is ''); without a title, each table is a heading of the
   * page's own level.
   */
  tables(r: Results): { title?: string; intro?: string; blocks: TableBlock[] };
  /** Its charts. */
  charts(r: Results): Promise<Chart[]>;
  /** What `cbench bench` prints of it after a run; '' when nothing. */
  terminal(r: Results): string;
}
