/** A run of text in one style: classes for the `logs` palette's SGR codes. */
export interface Run {
  text: string
  classes: string
}

const SGR = /\u001B\[([\d;]*)m/g

/** Splits text with SGR codes into runs with classes: fg-N for colours, b, d, i for bold, dim, italic. */
export function sgrRuns(text: string): Run[] {
  const runs: Run[] = []
  let fg = ''
  let bold = false
  let dim = false
  let italic = false
  let last = 0
  const push = (end: number) => {
    if (end > last) runs.push({classes: [fg, bold ? 'b' : '', dim ? 'd' : '', italic ? 'i' : ''].filter(Boolean).join(' '), text: text.slice(last, end)})
  }

  for (const match of text.matchAll(SGR)) {
    push(match.index)
    last = match.index + match[0].length
    for (const part of match[1].split(';')) {
      const n = Number(part || 0)
      if (n === 0) [fg, bold, dim, italic] = ['', false, false, false]
      else if (n === 1) bold = true
      else if (n === 2) dim = true
      else if (n === 3) italic = true
      else if (n === 22) [bold, dim] = [false, false]
      else if (n === 23) italic = false
      else if (n === 39) fg = ''
      else if ((n >= 30 && n <= 37) || (n >= 90 && n <= 97)) fg = `fg-${n}`
    }
  }

  push(text.length)
  return runs
}
