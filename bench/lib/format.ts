// How the harness prints numbers and tables: one place, so every table and log line agrees.

/** An integer with thousands separators: 12,345. */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Seconds as `42s` or `3m05s`. */
export function formatDuration(sec: number): string {
  const s = Math.max(0, Math.round(sec));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** A ratio to two decimals, or a whole number from 10 on: 2.35×, 17×. */
export function formatTimes(n: number): string {
  return n >= 10 ? `${Math.round(n)}×` : `${n.toFixed(2)}×`;
}

/**
 * Rows of cells as aligned columns two spaces apart, the first row a header; the columns for
 * which `right` says so are right-aligned (numbers), the others left-aligned.
 */
export function formatTable(rows: readonly (readonly string[])[], right: (column: number) => boolean = () => false): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (right(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
