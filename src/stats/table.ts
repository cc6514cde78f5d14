/** A cell: its text, and how to style it once padded (colour codes take no room in the layout). */
export type Cell = string | {text: string; style: (text: string) => string}

/**
 * Rows of cells as aligned lines, two spaces between columns, `indent` spaces before each line and no
 * trailing spaces. `align` has one letter per column, `l` or `r`; columns past it are right-aligned
 * (numbers), and by default only the first is left-aligned.
 */
export function renderTable(rows: readonly Cell[][], indent = 2, align = 'l'): string[] {
  const widths: number[] = []
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, textOf(cell).length)
  }

  return rows.map((row) => {
    const cells = row.map((cell, i) => {
      const text = textOf(cell)
      // The last column left-aligned is not padded: nothing follows it (bars stay free of trailing spaces).
      const padded = align[i] !== 'l' ? text.padStart(widths[i]) : i === row.length - 1 ? text : text.padEnd(widths[i])
      return typeof cell === 'string' ? padded : cell.style(padded)
    })
    return (' '.repeat(indent) + cells.join('  ')).trimEnd()
  })
}

function textOf(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.text
}
