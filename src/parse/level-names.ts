import type {Severity} from './record.js'

/** Every spelling of a level that logs use, lower-cased, to its syslog severity. */
const SEVERITY_BY_NAME: ReadonlyMap<string, Severity> = new Map<string, Severity>([
  ['emerg', 0], ['emergency', 0], ['panic', 0],
  ['alert', 1],
  ['crit', 2], ['critical', 2], ['fatal', 2],
  ['err', 3], ['error', 3],
  ['warn', 4], ['warning', 4],
  ['notice', 5],
  ['info', 6], ['information', 6], ['informational', 6],
  ['debug', 7], ['trace', 7],
])

/** The severity a level name stands for, in any case, or undefined when it is not a level name. */
export function severityFromName(name: string): Severity | undefined {
  return SEVERITY_BY_NAME.get(name.toLowerCase())
}

/** The names `--level` accepts, for help text and error hints. */
export const LEVEL_SPELLINGS: readonly string[] = [...SEVERITY_BY_NAME.keys()]
