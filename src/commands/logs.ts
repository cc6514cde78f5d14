import {Flags} from '@oclif/core'

import {inputArgs, LogReadingCommand, logReadingFlags, type ResolvedInputs} from '../cli/log-reading.js'
import type {RedactFlags} from '../redact/flags.js'
import {reportStdoutFailure} from '../cli/stdout-failure.js'
import {threadCount, threadedMinBytes, threadsFlag} from '../cli/threads.js'
import {resolveColorLevel} from '../format/color.js'
import {resolveTimeZone, TimeZoneError} from '../format/time-zone.js'
import {OUTPUT_FORMATS} from '../format/index.js'
import {OutputSink} from '../output/sink.js'
import {type LogsJob, logsJobParts} from '../pipeline/logs-job.js'
import {runLogs} from '../pipeline/logs.js'
import {scanInThreads} from '../pipeline/threaded-scan.js'

/** What `--tail` prints before following when `--num` is not given, as `tail` and `heroku logs -t` do. */
const TAIL_DEFAULT_LINES = 10

export default class Logs extends LogReadingCommand {
  static override args = inputArgs

  static override description = `Reads Heroku log lines (\`heroku logs\` output), RFC 5424 syslog frames (one per line or octet-counted, as drains send them) and logfmt or JSON payloads, from files or stdin.

With -a it reads the app's log from the Platform API (logsift's router, or Heroku with --api-url https://api.heroku.com): the server filters one plain -d and -s, logsift everything else, and -n counts the lines that pass every filter (100 unless given). A log stream URL (a session's logplex_url, plain text or server-sent events) is read directly. With --tail both follow, and reconnect after a drop without losing or repeating lines.

Filters of one kind combine with OR, different kinds with AND; every --where must hold. A leading ! excludes (-d '!router'). Exit status is 0 when something matched, 1 when nothing did, 2 on an error, like grep.`

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> examples/heroku.log', description: 'Print a saved log, coloured'},
    {command: 'heroku logs -a myapp -t | <%= config.bin %> <%= command.id %> --level warn', description: 'Only warnings and errors from a live tail'},
    {command: `<%= config.bin %> <%= command.id %> app.log -d router -w 'status>=500' -w 'service>1s'`, description: 'Slow server errors from the router'},
    {command: `<%= config.bin %> <%= command.id %> app.log -d '!router' --exclude healthz`, description: 'Hide router lines and health checks'},
    {command: '<%= config.bin %> <%= command.id %> app.log --level error -o raw > errors.log', description: 'Save the error lines, byte for byte'},
    {command: `<%= config.bin %> <%= command.id %> app.log -o json -w 'err.type~Timeout' | jq .fields.user_id`, description: 'JSON for jq'},
    {command: '<%= config.bin %> <%= command.id %> -t /var/log/app.log --since 15m', description: 'Follow a file like tail -F'},
    {command: '<%= config.bin %> <%= command.id %> -a demo -t --level warn', description: "Follow the demo app's warnings on logsift's router"},
    {command: `<%= config.bin %> <%= command.id %> -a myapp --api-url https://api.heroku.com -n 20 -w 'status>=500'`, description: 'The last 20 server errors of a Heroku app'},
    {command: '<%= config.bin %> <%= command.id %> app.log --redact -o raw > shareable.log', description: 'A copy of a log with passwords, tokens and keys masked'},
    {command: '<%= config.bin %> <%= command.id %> app.log --level error --explain', description: 'Errors, with what each Heroku error code means'},
    {command: "<%= config.bin %> <%= command.id %> -t 'http://127.0.0.1:5580/sessions/7b0d3c4e-4d0b-4a57-9a3e-2f8c1f0e6d21'", description: 'Follow a log session URL'},
  ]

  static override flags = {
    ...logReadingFlags,
    color: Flags.option({default: 'auto', description: 'colour the output', options: ['auto', 'always', 'never'] as const})(),
    explain: Flags.boolean({description: 'after a line with a Heroku error code (H12, R14, L10...), note what it means and what usually causes it (pretty output)'}),
    'force-colors': Flags.boolean({description: 'colour even when not writing to a terminal (as --color always)'}),
    'no-color': Flags.boolean({description: 'no colour (as --color never; also HEROKU_LOGS_COLOR=0 or NO_COLOR=1)'}),
    num: Flags.integer({char: 'n', description: 'only the last N matching records (with -a: 100 unless given)', min: 0}),
    output: Flags.option({char: 'o', default: 'pretty', description: 'output format', options: OUTPUT_FORMATS})(),
    tail: Flags.boolean({char: 't', description: 'print the last lines (10, or --num; with --since every line since then) then follow the files like tail -F, or the app or URL'}),
    threads: threadsFlag,
    tz: Flags.string({description: 'pretty output shows each time in this zone, with its offset: local, UTC or Area/City (Europe/Paris) [env: LOGSIFT_TZ; default: as written]', helpValue: 'ZONE'}),
  }

  static override strict = false

  static override summary = "Filter and print Heroku logs from files, stdin, an app's log or a log stream URL"

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Logs)
    const args = argv as string[]
    const app = this.appToRead(flags, args)
    const query = this.queryOptions(flags)
    // Checked here, before any input is read: the job builds them again on every thread.
    this.compile(query)
    this.redactor(flags)
    const {maxLineBytes, maxLineSize} = this.maxLineSize(flags)
    if (flags.explain && flags.output !== 'pretty') {
      this.error(`--explain annotates pretty output; -o ${flags.output} stays as it is for scripts`, {exit: 2, suggestions: [`${this.config.bin} errors CODE explains a code on its own`]})
    }

    const timeZone = this.timeZone(flags.tz)
    const {inputs, last} = app === undefined ? this.fileInputs(args, flags) : await this.appInput(app, flags, flags.num)
    const colorLevel = resolveColorLevel({
      env: process.env,
      flag: flags['no-color'] ? 'never' : flags.color,
      forceColors: flags['force-colors'],
      isTTY: Boolean(process.stdout.isTTY),
    })
    const sink = new OutputSink(process.stdout)
    const job: LogsJob = {colorLevel, explain: flags.explain, maxLineBytes, output: flags.output, query, redact: redactFlagsOf(flags), timeZone}
    const threads = flags.tail ? 1 : threadCount(flags.threads, process.env, (message, options) => this.error(message, options))
    const result = await runLogs({
      ...logsJobParts(job, sink),
      follow: flags.tail,
      inputs,
      last,
      maxLineSize,
      report: (message) => process.stderr.write(`${this.config.bin}: ${message}\n`),
      sink,
      threaded: threads > 1 ? (path) => scanInThreads(path, {job, last, minBytes: threadedMinBytes(process.env), sink, threads}) : undefined,
    })

    if (sink.failure) {
      reportStdoutFailure()
      this.error(`cannot write output: ${sink.failure.message}`, {exit: 2})
    }
    if (result.inputFailed) this.exit(2)
    if (result.matched === 0 && !sink.closed) this.exit(1)
  }

  /** The IANA zone `--tz`, else LOGSIFT_TZ, names; undefined to keep timestamps as written. */
  private timeZone(flag: string | undefined): string | undefined {
    const zone = flag ?? (process.env.LOGSIFT_TZ || undefined)
    if (zone === undefined) return undefined
    try {
      return resolveTimeZone(zone)
    } catch (error) {
      if (!(error instanceof TimeZoneError)) throw error
      const source = flag === undefined ? `LOGSIFT_TZ=${zone}` : `--tz ${zone}`
      this.error(`${source}: not a time zone`, {exit: 2, suggestions: ['--tz UTC, --tz local or an IANA name such as --tz Europe/Paris']})
    }
  }

  private fileInputs(args: string[], flags: {num?: number; since?: string; tail: boolean}): ResolvedInputs {
    const inputs = this.argumentInputs(args)
    if (flags.tail && inputs.length > 1 && inputs.some((input) => input.kind === 'url')) {
      this.error('--tail follows a log stream URL on its own: it never ends, so nothing after it would be read', {exit: 2})
    }

    // `-t --since 15m` follows from 15 minutes ago, as `-a APP -t --since` does: every line since then, not the last 10.
    return {inputs, last: flags.num ?? (flags.tail && flags.since === undefined ? TAIL_DEFAULT_LINES : undefined)}
  }
}

/** The redact flags alone: a job goes to every worker thread as it is. */
function redactFlagsOf(flags: RedactFlags): RedactFlags {
  return {redact: flags.redact, 'redact-email': flags['redact-email'], 'redact-key': flags['redact-key'], 'redact-pattern': flags['redact-pattern']}
}

