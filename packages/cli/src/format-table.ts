/** Paints a cell once padded (colour codes do not count toward the column widths); row -1 is the header. */
export type CellStyle = (padded: string, row: number, column: number) => string;

/** Rows as aligned text columns with a header line. */
export function formatColumns(headers: readonly string[], rows: readonly (readonly string[])[], style?: CellStyle): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], row: number) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0);
        return style ? style(padded, row, i) : padded;
      })
      .join('  ');
  return `${[line(headers, -1), ...rows.map((r, i) => line(r, i))].join('\n')}\n`;
}
