import {QueryError} from './query-error.js'
import {processTypeTest} from './process-type.js'

/** A test of one header value (a source or a dyno) that may be absent from the record. */
export type NameTest = (name: string | undefined) => boolean

interface Selection {
  includes: string[]
  excludes: string[]
}

/**
 * Splits repeated, comma-separated flag values into names to include and names to exclude (`!name`).
 * An empty name is an error: `-d web,` is more likely a typo than a request.
 */
function splitSelection(flag: string, values: readonly string[], what: string): Selection {
  const selection: Selection = {includes: [], excludes: []}
  for (const value of values) {
    for (const item of value.split(',')) {
      const name = item.trim()
      const excluded = name.startsWith('!')
      const bare = excluded ? name.slice(1).trim() : name
      if (bare === '') {
        throw new QueryError(flag, value, `expected a comma-separated list of ${what}s, each optionally prefixed with ! to exclude it`)
      }

      if (excluded) selection.excludes.push(bare)
      else selection.includes.push(bare)
    }
  }

  return selection
}

/**
 * The test for a selection: it matches any include (when there are includes) and no exclude. A record
 * without the header value matches no name, so it passes an exclude-only selection and fails any other.
 */
function selectionTest(selection: Selection, matches: (pattern: string) => NameTest): NameTest {
  const includes = selection.includes.map(matches)
  const excludes = selection.excludes.map(matches)
  const anyInclude = anyOf(includes)
  const anyExclude = anyOf(excludes)
  if (excludes.length === 0) return anyInclude
  if (includes.length === 0) return (name) => !anyExclude(name)
  return (name) => anyInclude(name) && !anyExclude(name)
}

function anyOf(tests: readonly NameTest[]): NameTest {
  if (tests.length === 1) return tests[0]
  return (name) => {
    for (let i = 0; i < tests.length; i++) if (tests[i](name)) return true
    return false
  }
}

/** `--source`: names compare exactly (`app`, `heroku`). */
export function compileSourceTest(values: readonly string[]): NameTest {
  return selectionTest(splitSelection('--source', values, 'source'), (pattern) => (name) => name === pattern)
}

/**
 * `--dyno`: a name with a dot compares exactly (`web.1`); a name without one is a dyno type and also matches
 * every dyno of that type (`web` matches `web`, `web.1` and Fir's `web-58f4b7c6d-x2k9p`, `router` matches
 * `heroku[router]`), or a Fir dyno's whole name.
 */
export function compileDynoTest(values: readonly string[]): NameTest {
  return selectionTest(splitSelection('--dyno', values, 'dyno'), dynoMatcher)
}

function dynoMatcher(pattern: string): NameTest {
  if (pattern.includes('.')) return (name) => name === pattern
  return processTypeTest(pattern)
}
