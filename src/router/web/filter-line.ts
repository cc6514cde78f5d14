import {Flags, Parser} from '@oclif/core'

import {logReadingFlags} from '../../cli/log-reading.js'
import type {QueryOptions} from '../../query/compile.js'
import {QueryError} from '../../query/query-error.js'

/** The `logs` flags the page's filter box takes: the ones that choose records, with the command's own definitions. */
const FILTER_FLAGS = {
  dyno: logReadingFlags.dyno,
  'dyno-name': logReadingFlags['dyno-name'],
  exclude: logReadingFlags.exclude,
  grep: logReadingFlags.grep,
  'ignore-case': logReadingFlags['ignore-case'],
  level: logReadingFlags.level,
  'process-type': logReadingFlags['process-type'],
  since: logReadingFlags.since,
  source: logReadingFlags.source,
  until: logReadingFlags.until,
  where: logReadingFlags.where,
}

/**
 * `logs` and `heroku logs` flags that change how lines are shown or how many, not which: a pasted command line
 * has them (`heroku logs -a APP -t -n 200`), and the page, which lists and follows by itself, passes them over.
 * `--redact` is not among them: the page would show what the command line masks.
 */
const DISPLAY_FLAGS = {
  color: Flags.string(),
  explain: Flags.boolean(),
  'force-colors': Flags.boolean(),
  'no-color': Flags.boolean(),
  num: Flags.string({char: 'n'}),
  output: Flags.string({char: 'o'}),
  tail: Flags.boolean({char: 't'}),
  threads: Flags.string(),
  tz: Flags.string(),
}

/** The filter box could not be read: unbalanced quotes, an unknown flag, a flag without its value. */
export class FilterLineError extends Error {}

/**
 * Splits a command line as a POSIX shell would for plain words: whitespace separates, single quotes keep
 * everything, double quotes keep everything but `\"` and `\\`, a backslash outside quotes keeps the next
 * character. No expansion of any kind: the text is data.
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === '\'') {
      const end = text.indexOf('\'', i + 1)
      if (end === -1) throw new FilterLineError('a single quote is not closed')
      word += text.slice(i + 1, end)
      inWord = true
      i = end + 1
    } else if (c === '"') {
      i++
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) i++
        word += text[i++]
      }

      if (i >= text.length) throw new FilterLineError('a double quote is not closed')
      inWord = true
      i++
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[i + 1]
      inWord = true
      i += 2
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
      i++
    } else {
      word += c
      inWord = true
      i++
    }
  }

  if (inWord) words.push(word)
  return words
}

/**
 * The filter box's text (`-d router -w 'status>=500' -l warn -g timeout`) as the query `logs` compiles from the
 * same flags, parsed by oclif with the `logs` definitions. A leading `logsift logs` (or `heroku logs`), `-a` naming
 * the page's app and the display flags (`-t`, `-n`, `-o`...) are allowed (a pasted command line) and passed over;
 * another app, files, other flags and anything unparseable are refused.
 */
export async function parseFilterLine(text: string, now: number, app?: string): Promise<QueryOptions> {
  const words = withoutCommand(splitCommandLine(text))
  let flags: Record<string, unknown>
  try {
    const parsed = await Parser.parse(words, {args: {}, flags: {...FILTER_FLAGS, ...DISPLAY_FLAGS, app: logReadingFlags.app}, strict: true})
    flags = parsed.flags as Record<string, unknown>
  } catch (error) {
    throw new FilterLineError(oclifMessage(error))
  }

  if (app !== undefined && flags.app !== undefined && flags.app !== app) {
    throw new FilterLineError(`-a ${String(flags.app)} names another app: this page shows ${app}`)
  }

  const strings = (key: string) => flags[key] as string[] | undefined
  const extraDynos = [flags['dyno-name'], flags['process-type']].filter((value): value is string => typeof value === 'string')
  return {
    dyno: extraDynos.length === 0 ? strings('dyno') : [...(strings('dyno') ?? []), ...extraDynos],
    exclude: strings('exclude'),
    grep: strings('grep'),
    ignoreCase: flags['ignore-case'] === true,
    level: flags.level as string | undefined,
    now,
    since: flags.since as string | undefined,
    source: strings('source'),
    until: flags.until as string | undefined,
    where: strings('where'),
  }
}

/** The query as `logs` flags, quoted for a POSIX shell: what reproduces it on the command line. */
export function filterFlags(query: Omit<QueryOptions, 'now' | 'since' | 'until'>): string[] {
  const flags: string[] = []
  for (const value of query.dyno ?? []) flags.push('-d', shellQuote(value))
  for (const value of query.source ?? []) flags.push('-s', shellQuote(value))
  if (query.level !== undefined) flags.push('-l', shellQuote(query.level))
  for (const value of query.where ?? []) flags.push('-w', shellQuote(value))
  for (const value of query.grep ?? []) flags.push('-g', shellQuote(value))
  for (const value of query.exclude ?? []) flags.push('--exclude', shellQuote(value))
  if (query.ignoreCase) flags.push('-i')
  return flags
}

/** A word as a POSIX shell reads it back: bare when it is safe, otherwise single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll('\'', `'\\''`)}'`
}

function withoutCommand(words: string[]): string[] {
  if (words[0] === 'logsift' || words[0] === 'heroku') words = words.slice(1)
  if (words[0] === 'logs') words = words.slice(1)
  return words
}

/** oclif's parse errors carry a usage block after the first line; the first line says what is wrong. */
function oclifMessage(error: unknown): string {
  if (error instanceof QueryError) return error.message
  return (error as Error).message.split('\n')[0].replace(/^Error: /, '')
}
