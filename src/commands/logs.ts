import {Args, Flags, Interfaces} from '@oclif/core'
import {Chalk} from 'chalk'

import {apiUrlFlag, ApiCommand, appCreatedNotice, appFlag} from '../api/command.js'
import {resolveColorLevel} from '../format/color.js'
import {OUTPUT_FORMATS} from '../format/index.js'
import {createRecordWriter} from '../output/records.js'
import {OutputSink} from '../output/sink.js'
import {LEVEL_SPELLINGS} from '../parse/level-names.js'
import {runLogs} from '../pipeline/logs.js'
import {compileQuery, type Predicate, QueryError, type QueryOptions} from '../query/compile.js'
import {compileLinePrefilter} from '../query/prefilter.js'
import {type Input, resolveInputs} from '../sources/inputs.js'

/** What `--tail` prints before following when `--num` is not given, as `tail` and `heroku logs -t` do. */
const TAIL_DEFAULT_LINES = 10

export default class Logs extends ApiCommand {
  static override args = {
    // ignoreStdin: stdin is log input, read by the pipeline, never an argument's value.
    file: Args.string({description: 'log files to read in order (.gz is read transparently); - for stdin; http(s) URLs are log streams', ignoreStdin: true}),
  }

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
    {command: "<%= config.bin %> <%= command.id %> -t 'http://127.0.0.1:5580/sessions/7b0d3c4e-4d0b-4a57-9a3e-2f8c1f0e6d21'", description: 'Follow a log session URL'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    app: appFlag,
    color: Flags.option({default: 'auto', description: 'colour the output', options: ['auto', 'always', 'never'] as const})(),
    dyno: Flags.string({char: 'd', description: 'only these dynos: web matches web.1, web.1 is exact, !router excludes; comma list', multiple: true}),
    exclude: Flags.string({description: 'drop records whose message matches this regex', multiple: true}),
    'force-colors': Flags.boolean({description: 'colour even when not writing to a terminal (as --color always)'}),
    grep: Flags.string({char: 'g', description: 'only records whose message matches this regex', multiple: true}),
    'ignore-case': Flags.boolean({char: 'i', description: 'make --grep and --exclude case-insensitive'}),
    level: Flags.string({char: 'l', description: 'this level and everything more severe (debug, info, notice, warn, error, crit, alert, emerg)'}),
    num: Flags.integer({char: 'n', description: 'only the last N matching records (with -a: 100 unless given)', min: 0}),
    output: Flags.option({char: 'o', default: 'pretty', description: 'output format', options: OUTPUT_FORMATS})(),
    since: Flags.string({description: 'records at or after this time: RFC 3339 or relative (30s, 15m, 2h, 3d)'}),
    source: Flags.string({char: 's', description: 'only these sources (app, heroku); !heroku excludes; comma list', multiple: true}),
    tail: Flags.boolean({char: 't', description: 'print the last lines (10, or --num) then follow the files like tail -F, or the app or URL'}),
    until: Flags.string({description: 'records before this time: RFC 3339 or relative'}),
    where: Flags.string({char: 'w', description: "field condition, all must hold: key=v key!=v key>n (>= < <=, units: 500ms 1MB) key~re key!~re key !key", multiple: true}),
  }

  static override strict = false

  static override summary = "Filter and print Heroku logs from files, stdin, an app's log or a log stream URL"

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Logs)
    const args = argv as string[]
    // LOGSIFT_APP and HEROKU_APP name the app only when nothing else is given to read.
    const app = flags.app ?? (args.length === 0 && process.stdin.isTTY ? this.appFromEnv(undefined) : undefined)
    if (app !== undefined && args.length > 0) {
      this.error("-a reads the app's log: give it no files or URLs as well", {exit: 2, suggestions: [`logsift logs -a ${app}`]})
    }

    const query = this.queryOptions(flags)
    const predicate = this.compile(query)
    const {inputs, last} = app === undefined ? this.argumentInputs(args, flags) : await this.appInput(app, flags)
    const colorLevel = resolveColorLevel({
      env: process.env,
      flag: flags['force-colors'] ? 'always' : flags.color,
      isTTY: Boolean(process.stdout.isTTY),
    })
    const sink = new OutputSink(process.stdout)
    const result = await runLogs({
      follow: flags.tail,
      inputs,
      last,
      predicate,
      prefilter: compileLinePrefilter(query),
      report: (message) => process.stderr.write(`${this.config.bin}: ${message}\n`),
      sink,
      write: createRecordWriter(flags.output, new Chalk({level: colorLevel}), sink),
    })

    if (sink.failure) this.error(`cannot write output: ${sink.failure.message}`, {exit: 2})
    if (result.inputFailed) this.exit(2)
    if (result.matched === 0 && !sink.closed) this.exit(1)
  }

  private argumentInputs(args: string[], flags: Interfaces.InferredFlags<typeof Logs.flags>): {inputs: Input[]; last?: number} {
    const inputs = resolveInputs(args, Boolean(process.stdin.isTTY))
    if (inputs === undefined) {
      this.error('no input: name a log file, or pipe logs in', {
        exit: 2,
        suggestions: ['logsift logs app.log', 'heroku logs -a myapp | logsift logs', 'logsift logs -a myapp'],
      })
    }

    if (flags.tail && inputs.length > 1 && inputs.some((input) => input.kind === 'url')) {
      this.error('--tail follows a log stream URL on its own: it never ends, so nothing after it would be read', {exit: 2})
    }

    return {inputs, last: flags.num ?? (flags.tail ? TAIL_DEFAULT_LINES : undefined)}
  }

  /** The app's log as sessions: the server filters what it can, and sends enough for `-n` to count after the rest. */
  private async appInput(app: string, flags: Interfaces.InferredFlags<typeof Logs.flags>): Promise<{inputs: Input[]; last: number}> {
    const {openAppSessions, planLogSession} = await import('../api/sessions.js')
    const plan = planLogSession({
      dyno: flags.dyno,
      num: flags.num,
      otherFilters: Boolean(flags.level || flags.since || flags.until || flags.grep?.length || flags.exclude?.length || flags.where?.length),
      source: flags.source,
    })
    const api = await this.api(flags['api-url'])
    const sessions = await openAppSessions(api, app, plan.request, (created) => this.logToStderr(appCreatedNotice(this.config.bin, created)))
    return {inputs: [{kind: 'app', sessions}], last: plan.last}
  }

  private queryOptions(flags: Interfaces.InferredFlags<typeof Logs.flags>): QueryOptions {
    return {
      dyno: flags.dyno,
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

  private compile(query: QueryOptions): Predicate {
    try {
      return compileQuery(query)
    } catch (error) {
      if (!(error instanceof QueryError)) throw error
      this.error(error.message, {exit: 2, suggestions: suggestionsFor(error)})
    }
  }
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
