import {useEffect, useState} from 'preact/hooks'

/** The `logs` flags as typed on the command line; applied on Enter. The router parses and compiles them. */
export function FilterBox({onApply, problem, value}: {value: string; onApply: (text: string) => void; problem?: string}) {
  const [text, setText] = useState(value)
  useEffect(() => setText(value), [value])
  return (
    <form class="filter" onSubmit={(event) => {
      event.preventDefault()
      onApply(text.trim())
    }}>
      <label>
        <span class="prompt">logs</span>
        <input
          aria-label="filter" name="filter" onInput={(event) => setText((event.target as HTMLInputElement).value)}
          placeholder="-d router -w 'status>=500' -l warn -g timeout" spellcheck={false} value={text}
        />
      </label>
      <button type="submit">Filter</button>
      {value === '' ? null : <button onClick={() => onApply('')} type="button">Clear</button>}
      {problem === undefined ? null : <p class="problem" role="alert">{problem}</p>}
    </form>
  )
}

/** The filter with one more flag (a clicked value), unless it is there already. */
export function withFlag(filter: string, flag: string): string {
  return filter.includes(flag) ? filter : `${filter} ${flag}`.trim()
}
