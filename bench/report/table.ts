// A report's tables, as Markdown and as HTML: columns declared once, each with its header, its
// cell text and the value a sort uses.

import type { Results } from '../results/results.js';
import { baselineOf } from './facts.js';

/** A table's column: header, cell text, and the value a sort uses. */
export interface Column<T> {
  head: string;
  text: (r: T) => string;
  value: (r: T) => number | string;
}

export function fixed(n: number | undefined, digits: number): string {
  return n === undefined ? '—' : n.toFixed(digits);
}

/** The column of ratios to the baseline, headed with its name once the run is known (columnsFor). */
export const VS_BASELINE = 'vs baseline';

/** The ratios' column named after the run's baseline; without one (a run against targets), no such column. */
export function columnsFor<T>(r: Results, columns: Array<Column<T>>): Array<Column<T>> {
  const base = baselineOf(r);
  return base === undefined ? columns.filter((c) => c.head !== VS_BASELINE) : columns.map((c) => (c.head === VS_BASELINE ? { ...c, head: `vs ${base}` } : c));
}

export function mdTable<T>(columns: Array<Column<T>>, rows: T[]): string[] {
  return [
    `| ${columns.map((c) => c.head).join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((c) => c.text(row).replace(/\|/g, '\\|')).join(' | ')} |`),
  ];
}

export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A sortable table; `flag` rows are marked (their note in colour). */
export function htmlTable<T>(columns: Array<Column<T>>, rows: T[], flag: (r: T) => boolean, attrs = ''): string {
  return `<table class="sortable"${attrs}><thead><tr>${columns.map((c, i) => `<th data-col="${i}">${esc(c.head)}</th>`).join('')}</tr></thead><tbody>
${rows.map((row) => `<tr${flag(row) ? ' class="flag"' : ''}>${columns.map((c) => `<td data-value="${esc(String(c.value(row)))}">${esc(c.text(row))}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>`;
}

/** Markdown's **bold** as <strong>, in text already escaped. */
export const strong = (s: string) => s.replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>');

/** A table of a section, with its heading and how to read it, rendered for both pages. */
export interface TableBlock {
  heading: string;
  /** How to read it; may hold **bold**. */
  intro?: string;
  markdown: string[];
  html: string;
}

/** What a server whose process the suite does not know (a target without its pid) shows for its CPU and memory. */
export const UNKNOWN = '?';

/** A TableBlock of `rows` in `columns`; `flag` rows are marked in the HTML; `attrs`, the HTML table's own attributes (` data-workload="plaintext"`). */
export function tableBlock<T>(
  heading: string,
  intro: string | undefined,
  columns: Array<Column<T>>,
  rows: T[],
  flag: (row: T) => boolean,
  attrs = '',
): TableBlock {
  return { heading, ...(intro === undefined ? {} : { intro }), markdown: mdTable(columns, rows), html: htmlTable(columns, rows, flag, attrs) };
}
