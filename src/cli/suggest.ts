/**
 * Edit distance with adjacent transpositions counted as one edit (optimal string alignment), so `drians`
 * is one edit from `drains`, as a typist would count it.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[][] = Array.from({length: rows}, (_, i) => Array.from({length: cols}, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }

  return d[rows - 1][cols - 1]
}

/**
 * The candidate closest to what was typed, or undefined when none is close enough to be a typo of it: at most
 * a third of the typed length away (two edits for short words), and never a whole rewrite of it.
 * Ties go to the earlier candidate.
 */
export function closestName(typed: string, candidates: readonly string[]): string | undefined {
  const limit = Math.min(Math.max(2, Math.floor(typed.length / 3)), typed.length - 1)
  let best: string | undefined
  let bestDistance = limit + 1
  for (const candidate of candidates) {
    const distance = editDistance(typed.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }

  return best
}
