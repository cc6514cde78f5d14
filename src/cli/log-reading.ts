import {Args, Flags, Interfaces} from '@oclif/core'
import {fstatSync} from 'node:fs'

import type {Predicate, QueryOptions} from '../query/compile.js'

import {apiUrlFlag, ApiCommand, appCreatedNotice, appFlags} from '../api/command.js'
import type {HistoryRequest} from '../api/types.js'
import {LEVEL_SPELLINGS} from '../parse/level-names.js'
import {compileQuery, QueryError} from '../query/compile.js'
import {formatTimeBound, parseExactTimeBound} from '../query/time-bound.js'
import {parseByteSize} from '../query/units.js'
import {redactorFor} from '../redact/flags.js'
import type {Redactor} from '../redact/redactor.js'
import {type Input, resolveInputs} from '../sources/inputs.js'
import {redactFlags} from './redaction.js'

/** The inputs argument of every command that reads logs. */
export const inputArgs = {
  // ignoreStdin: stdin is log input, read by the pipeline, never an argument's value.
  file: Args.string({description: 'log files to read in order (.gz is read transparently); - for stdin; http(s) URLs are log streams', ignoreStdin: true}),
}

/**
 * The default of --max-line-size. A line over 1 MiB is read as it comes, never held as one string (see
 * LongLineReader), so memory stays bounded by about one piece at most (a --grep or --exclude that must wait
 * for the line's end), measured by bench/dev-zero.sh.
 */
const MAX_LINE_SIZE = '64MiB'
/** Buffers beyond this are refused by Node on some platforms; no log line needs one. */
const MAX_LINE_SIZE_LIMIT = 1024 ** 3

/** Where logs come from and which records count: shared by `logs` and every command built on its pipeline. */
export const logReadingFlags = {
  'api-url': apiUrlFlag,
  ...appFlags,
  dyno: Flags.string({char: 'd', description: 'only these dynos: web matches web.1, web.1 is exact, !router excludes; comma list', multiple: true}),
  // The Heroku CLI's spellings: its -d is --dyno-name, which logsift's -d already covers.
  'dyno-name': Flags.string({description: 'only this dyno, as heroku logs --dyno-name (web.1); the same as -d web.1'}),
  exclude: Flags.string({description: 'drop records whose message matches this regex', multiple: true}),
  grep: Flags.string({char: 'g', description: 'only records whose message matches this regex', multiple: true}),
  'ignore-case': Flags.boolean({char: 'i', description: 'make --grep and --exclude case-insensitive'}),
  'process-type': Flags.string({char: 'p', description: 'only dynos of this type, as heroku logs -p (web: web.1, web.2...); the same as -d web'}),
  level: Flags.string({char: 'l', description: 'this level and everything more severe (debug, info, notice, warn, error, crit, alert, emerg)'}),
  'max-line-size': Flags.string({default: MAX_LINE_SIZE, description: 'a longer line is passed on in pieces of this size (one notice on stderr): 512KiB, 1GiB', helpValue: 'SIZE'}),
  ...redactFlags,
  since: Flags.string({description: 'records at or after this time: RFC 3339 or relative (30s, 15m, 2h, 3d)'}),
  source: Flags.string({char: 's', description: 'only these sources (app, heroku); !heroku excludes; comma list', multiple: true}),
  until: Flags.string({description: 'records before this time: RFC 3339 or relative'}),
  where: Flags.string({char: 'w', description: 'field condition, all must hold: key=v key!=v key>n (>= < <=, units: 500ms 1MB) key~re key!~re key !key', multiple: true}),
}

type LogReadingFlags = Interfaces.InferredFlags<typeof logReadingFlags>

/** The inputs to read and how many records to keep at the end (`-n`), when that applies. */
export interface ResolvedInputs {
  inputs: Input[]
  last: number | undefined
}

/**
 * A command that reads logs from files, stdin, log-stream URLs or an app (`-a`), filtered by the shared
 * flags: it resolves the inputs and compiles the query, with errors that name the flag and suggest a fix.
 */
export abstract class LogReadingCommand extends ApiCommand {
  /** The app to read, from `-a`, or from the environment when nothing else is given to read. */
  protected appToRead(flags: LogReadingFlags, args: string[]): string | undefined {
    // LOGSIFT_APP, HEROKU_APP and the git remote name the app only when nothing else is given to read: no file,
    // and standard input a terminal or a device such as /dev/null (cron, CI, systemd), not a pipe or a file.
    const app = this.appFromFlags(flags) ?? (args.length === 0 && stdinCarriesNoInput() ? this.appFromEnv({}) : undefined)
    if (app !== undefined && args.length > 0) {
      const flag = flags.app === undefined ? '-r' : '-a'
      this.error(`${flag} reads the app's log: give it no files or URLs as well`, {exit: 2, suggestions: [`${this.config.bin} ${this.id} -a ${app}`]})
    }

    return app
  }

  /** Files, `-`, stdin and URLs named by the arguments. */
  protected argumentInputs(args: string[]): Input[] {
    const inputs = resolveInputs(args, Boolean(process.stdin.isTTY))
    if (inputs === undefined) {
      this.error('no input: name a log file, or pipe logs in', {
        exit: 2,
        suggestions: [`${this.config.bin} ${this.id} app.log`, `heroku logs -a myapp | ${this.config.bin} ${this.id}`, `${this.config.bin} ${this.id} -a myapp`],
      })
    }

    return inputs
  }

  /** The app's log as sessions: the server filters what it can, and sends enough for `num` to count after the rest. */
  protected async appInput(app: string, flags: LogReadingFlags, num: number | undefined, summary = false): Promise<ResolvedInputs> {
    const {openAppSessions, openFirSessions, planLogSession} = await import('../api/sessions.js')
    const api = await this.api(flags['api-url'])
    // As the Heroku CLI: the app's generation decides the flow. An app not found is left to the session
    // request to report (or, on logsift's router, to create). A Fir app's log is a stream; logsift's router
    // also keeps it, so a query with --since or --until reads it there as a Cedar app's.
    const generation = await api.app(app).then((found) => found.generation?.name, () => undefined)
    const window = flags.since !== undefined || flags.until !== undefined
    if (generation === 'fir' && !(api.target.local && window)) {
      if (summary) {
        this.error(`${app} is a Fir app: its log is a stream to follow, with no recent lines to read`, {
          exit: 2,
          suggestions: api.target.local ? [`${this.config.bin} ${this.id} -a ${app} --since 1h (logsift's router keeps its history)`] : [`${this.config.bin} logs -a ${app} (follows it)`],
        })
      }

      const {firSessionRenewMs} = await import('../sources/fir-sessions.js')
      const history = api.target.local ? '-n does not apply; --since reads what logsift\'s router kept' : 'Fir keeps no history, so -n and --since do not apply'
      this.logToStderr(`${this.config.bin}: ${app} is a Fir app: following its log (${history})`)
      const sessions = await openFirSessions(api, app, firSessionRequest(flags), firSessionRenewMs(process.env))
      return {inputs: [{kind: 'app', sessions}], last: undefined}
    }

    const plan = planLogSession({
      dyno: dynoSelection(flags),
      num,
      otherFilters: Boolean(flags.level || flags.since || flags.until || flags.grep?.length || flags.exclude?.length || flags.where?.length),
      source: flags.source,
    })
    // logsift's router reads its durable log from --since and filters there; Heroku keeps only recent lines.
    const history = api.target.local && (flags.since !== undefined || flags.until !== undefined) ? historyRequest(this.queryOptions(flags)) : undefined
    const sessions = await openAppSessions(api, app, plan.request, (created) => this.logToStderr(appCreatedNotice(this.config.bin, created)), history)
    // The router then filters with all of the query: dyno and source too, unless one it cannot take is given.
    const sent = (values: string[] | undefined, plain: string | undefined) => values === undefined || values.length === 0 || plain !== undefined
    sessions.recentHasQuery = history !== undefined && sent(dynoSelection(flags), plan.request.dyno) && sent(flags.source, plan.request.source)
    // A history query prints all it matches unless -n is given.
    return {inputs: [{kind: 'app', sessions}], last: history === undefined ? plan.last : num}
  }

  /**
   * --max-line-size in bytes, and as the user wrote it (a bare number with its unit) for the notice of a cut
   * line; or one line naming the bad value.
   */
  protected maxLineSize(flags: LogReadingFlags): {maxLineBytes: number; maxLineSize: string} {
    const text = flags['max-line-size']
    const bytes = parseByteSize(text)
    if (!(bytes >= 1 && bytes <= MAX_LINE_SIZE_LIMIT)) {
      this.error(`--max-line-size ${text}: give a size from 1B to 1GiB`, {exit: 2, suggestions: ['--max-line-size 64MiB', '--max-line-size 512KiB', '--max-line-size 100000 (bytes)']})
    }

    return {maxLineBytes: bytes, maxLineSize: /^[\d.]+$/.test(text) ? `${text}B` : text}
  }

  protected queryOptions(flags: LogReadingFlags): QueryOptions {
    return {
      dyno: dynoSelection(flags),
      exclude: flags.exclude,
      grep: flags.grep,
      ignoreCase: flags['ignore-case'],
      level: flags.level,
      now: Date.now(),
      since: flags.since,
      source: flags.source,
      until: flags.until,
      where: flags.where,
    }
  }

  /** The redactor `--redact` and its extras ask for, or undefined when redaction is off. */
  protected redactor(flags: LogReadingFlags): Redactor | undefined {
    return redactorFor(flags, (message, options) => this.error(message, options))
  }

  /** The compiled query, or one line naming the bad expression, before any input is read. */
  protected compile(query: QueryOptions): Predicate {
    try {
      return compileQuery(query)
    } catch (error) {
      if (!(error instanceof QueryError)) throw error
      this.error(error.message, {exit: 2, suggestions: suggestionsFor(error)})
    }
  }
}

/** A Fir session's body, as the Heroku CLI sends it: one plain dyno and source, the process type as `type`. */
function firSessionRequest(flags: LogReadingFlags): {dyno?: string; source?: string; type?: string} {
  const plain = (values: string[] | undefined) => (values?.length === 1 && !/[,!]/.test(values[0]) ? values[0] : undefined)
  return {dyno: flags['dyno-name'] ?? plain(flags.dyno), source: plain(flags.source), type: flags['process-type']}
}

/** `-d`, `--dyno-name` and `-p` are one selection: their values combine with OR, as repeated `-d` values do. */
function dynoSelection(flags: LogReadingFlags): string[] | undefined {
  const extra = [flags['dyno-name'], flags['process-type']].filter((value) => value !== undefined)
  return extra.length === 0 ? flags.dyno : [...(flags.dyno ?? []), ...extra]
}

function suggestionsFor(error: QueryError): string[] {
  switch (error.flag) {
    case '--level': {
      return [`one of: ${LEVEL_SPELLINGS.join(', ')}`]
    }

    case '--where': {
      return ["-w 'status>=500'", "-w 'service>1s'", "-w 'code~^H1'", "-w '!error'"]
    }

    case '--since':
    case '--until': {
      return [`${error.flag} 15m`, `${error.flag} 2024-05-01T12:00:00Z`]
    }

    default: {
      return []
    }
  }
}

/** The fields of a session request that have logsift's router read its log from a time and filter there. */
function historyRequest(query: QueryOptions): HistoryRequest {
  const {exclude, grep, ignoreCase, level, now, since, until, where} = query
  return {
    exclude, grep, ignore_case: ignoreCase, level,
    since: since === undefined ? undefined : formatTimeBound(parseExactTimeBound('--since', since, now)),
    until: until === undefined ? undefined : formatTimeBound(parseExactTimeBound('--until', until, now)),
    where,
  }
}

/** Standard input is a terminal or a device (/dev/null), or closed: nothing was piped or redirected from a file. */
function stdinCarriesNoInput(): boolean {
  if (process.stdin.isTTY) return true
  try {
    return fstatSync(0).isCharacterDevice()
  } catch {
    return true
  }
}
