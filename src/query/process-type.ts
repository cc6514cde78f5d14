import type {NameTest} from './selector.js'

/** A Fir dyno's name after its process type: `web-58f4b7c6d-x2k9p` (a release hash, then the dyno's own id). */
const FIR_DYNO_SUFFIX = /^-[\da-z]+-[\da-z]+$/
const DOT = 0x2E
const DASH = 0x2D

/**
 * `-p/--process-type`: the dynos of one process type, on either generation: `web`, `web.1` (Cedar) and
 * `web-58f4b7c6d-x2k9p` (Fir). A type with a dash of its own (`web-api`) is told apart from a Fir dyno of type
 * `web` by the shape of what follows: a Fir suffix is exactly two dash-separated lowercase words.
 */
export function processTypeTest(type: string): NameTest {
  return (name) => {
    if (name === undefined || !name.startsWith(type)) return false
    const rest = name.slice(type.length)
    return rest === '' || rest.charCodeAt(0) === DOT || (rest.charCodeAt(0) === DASH && FIR_DYNO_SUFFIX.test(rest))
  }
}
