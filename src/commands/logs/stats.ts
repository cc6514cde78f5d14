import {Flags} from '@oclif/core'
import {Chalk} from 'chalk'

import type {Input} from '../../sources/inputs.js'
import type {Stats} from '../../stats/types.js'

import {MAX_SESSION_LINES} from '../../api/types.js'
import {inputArgs, LogReadingCommand, logReadingFlags} from '../../cli/log-reading.js'
import {redactOptionsOf} from '../../redact/flags.js'
import {reportStdoutFailure} from '../../cli/stdout-failure.js'
import {threadCount, threadedMinBytes, threadsFlag} from '../../cli/threads.js'
import {resolveColorLevel} from '../../format/color.js'
import {OutputSink} from '../../output/sink.js'
import {runLogs} from '../../pipeline/logs.js'
import {statsInThreads} from '../../pipeline/threaded-stats.js'
import {compileQueryParts} from '../../query/compile.js'
import {compileLinePrefilter} from '../../query/prefilter.js'
import {parseDuration} from '../../query/time-bound.js'
import {redactRecord} from '../../redact/record.js'
import {StatsCollector, valueFieldOf} from '../../stats/collector.js'
import {PROGRESS_MIN_BYTES, ProgressBar, totalFileBytes} from '../../stats/progress.js'
import {renderReport} from '../../stats/report.js'

/** Chart columns when stdout is not a terminal (or does not say how wide it is). */
const DEFAULT_CHART_COLUMNS = 60

export default class LogsStats extends LogReadingCommand {
  static override args = inputArgs

  static override description = `Reads logs as \`logs\` does (files, stdin, log stream URLs, -a APP; every filter flag applies) and prints what they add up to: records by source, dyno type and level, the time span and rate; router requests per interval as a chart (of a width that fits the span, unless --interval gives one), status classes and top statuses, p50/p90/p99/max of connect and service, the top paths by count and by p99 (ids, UUIDs and hex ids become :id; query strings are dropped); every Heroku error code with its description, count and first and last time; per dyno, R14/R15 counts, peak memory (runtime metrics and "Process running mem="), restarts and crashes.

--by KEY groups records by a key: source, level and type (dyno type) are the record's own; dyno is the record's dyno, except on router lines, where it is the dyno that served the request (dyno=web.1; router lines that reached no dyno count as without it); fields.NAME or any other NAME is a payload field (fields.dyno is dyno= on every line). --value KEY gives count, sum and percentiles of a numeric field with its unit (23ms, 211MB, or bare numbers), per group with --by.

Percentiles are exact up to 65,536 values (256 per path or group); router connect and service stay exact beyond that while they are whole milliseconds under 65.5 s (one count per value); otherwise they come from a DDSketch with 1% relative accuracy, within ±1% of the exact value. Memory stays bounded whatever the input size (at most 5,000 paths and 10,000 groups; later ones count as (other)).

With --threads N, a plain file of 64 MiB or more is cut into N byte ranges at line starts, each counted on a worker thread, and their counts are merged in input order into the same report as one thread gives. The one exception is past a cap: a range that meets more keys than a cap on its own (5,000 paths, 10,000 groups, 10,000 dynos, 1,000 sources) has counted the later ones as (other) without keeping their names (that is what bounds its memory), so some records one thread would count under their key can count as (other) instead; totals stay the same. Exit status is 0 when some record matched, 1 when none did, 2 on an error.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> examples/heroku.log', description: 'Summarise a saved log'},
    {command: "<%= config.bin %> <%= command.id %> app.log --since 1h -d router --interval 2m", description: 'The last hour of router traffic in 2-minute buckets'},
    {command: '<%= config.bin %> <%= command.id %> app.log --by dyno --value service', description: 'Records and service time per dyno (router lines count for the dyno that served them)'},
    {command: '<%= config.bin %> <%= command.id %> app.log --by fields.user_id --value duration_ms --top 5', description: 'The five busiest users and their durations'},
    {command: "<%= config.bin %> <%= command.id %> app.log --json | jq '.router.statusClasses'", description: 'Status classes for a script'},
    {command: '<%= config.bin %> <%= command.id %> app.log --by fields.session --redact', description: 'Group by a field without printing secrets'},
    {command: '<%= config.bin %> <%= command.id %> -a myapp --api-url https://api.heroku.com', description: 'The recent log of a Heroku app (up to 1,500 lines)'},
  ]

  static override flags = {
    ...logReadingFlags,
    by: Flags.string({description: 'group records by this key: source, dyno (on router lines, the dyno that served the request), level, type, or a payload field (fields.NAME or NAME)'}),
    color: Flags.option({default: 'auto', description: 'colour the output', options: ['auto', 'always', 'never'] as const})(),
    interval: Flags.string({description: 'width of the requests chart buckets, a duration (10s, 30s, 15m, 2h, 1d); by default the narrowest of 1s, 5s, 10s, 30s, 1m, 5m, 10m, 30m, 1h, 6h, 1d that gives at most 60 buckets over the requests\' span'}),
    threads: threadsFlag,
    top: Flags.integer({default: 10, description: 'rows in each top list (statuses, paths, groups)', min: 1}),
    value: Flags.string({description: 'count, sum and percentiles of this numeric payload field (fields.NAME or NAME), units understood'}),
  }

  static override strict = false

  static override summary = 'Summarise logs: totals, router traffic and latency, Heroku error codes, dyno memory and restarts'

  async run(): Promise<Stats> {
    const {argv, flags} = await this.parse(LogsStats)
    const args = argv as string[]
    if (flags.value !== undefined && valueFieldOf(flags.value) === undefined) {
      this.error(`--value ${flags.value}: the record's ${flags.value} is not a number; --value reads a payload field`, {
        exit: 2,
        suggestions: ['--value service', '--value duration_ms', `--value fields.${flags.value}`],
      })
    }

    const intervalMs = flags.interval === undefined ? undefined : parseDuration(flags.interval)
    // Whole seconds: the chart labels its columns in seconds.
    if (intervalMs !== undefined && !(intervalMs >= 1000 && Number.isInteger(intervalMs / 1000))) {
      this.error(`--interval ${flags.interval}: expected a duration of whole seconds, at least 1s (10s, 30s, 15m, 2h, 1d)`, {
        exit: 2,
        suggestions: ['--interval 30s', '--interval 5m', 'leave --interval out for a width that fits the span'],
      })
    }

    const app = this.appToRead(flags, args)
    const query = this.queryOptions(flags)
    const predicate = this.compile(query)
    const redactor = this.redactor(flags)
    const {maxLineBytes, maxLineSize} = this.maxLineSize(flags)
    // All the app's recent lines: a summary of the last 100 would say little.
    const {inputs} = app === undefined ? {inputs: this.argumentInputs(args)} : await this.appInput(app, flags, MAX_SESSION_LINES, true)
    const statsOptions = {by: flags.by, intervalMs, top: flags.top, value: flags.value}
    const collector = new StatsCollector(statsOptions)
    const progress = await this.progressBar(inputs, Boolean(flags.json))
    const addProgress = progress && ((bytes: number) => progress.add(bytes))
    const sink = new OutputSink(process.stdout)
    const threads = threadCount(flags.threads, process.env, (message, options) => this.error(message, options))
    const job = {maxLineBytes, query, redact: redactOptionsOf(flags), stats: statsOptions}
    const result = await runLogs({
      follow: false,
      inputs,
      maxLineBytes,
      maxLineSize,
      predicate,
      prefilter: compileLinePrefilter(query),
      queryParts: compileQueryParts(query),
      progress: addProgress,
      report: (message) => process.stderr.write(`${this.config.bin}: ${message}\n`),
      sink,
      threaded: threads > 1 ? (path) => statsInThreads(path, {collector, job, minBytes: threadedMinBytes(process.env), progress: addProgress, threads}) : undefined,
      // Redacted before counting, so no secret reaches a group key, a path or the JSON.
      write: redactor ? (record) => collector.add(redactRecord(redactor, record)) : (record) => collector.add(record),
    })
    progress?.done()

    const stats = collector.result()
    if (!this.jsonEnabled()) {
      const chalk = new Chalk({level: resolveColorLevel({env: process.env, flag: flags.color, isTTY: Boolean(process.stdout.isTTY)})})
      const columns = process.stdout.isTTY && process.stdout.columns ? Math.max(20, Math.min(120, process.stdout.columns - 20)) : DEFAULT_CHART_COLUMNS
      for (const line of renderReport(stats, {chalk, chartColumns: columns})) sink.line(line)
      await sink.flush()
      if (sink.failure) {
        reportStdoutFailure()
        this.error(`cannot write output: ${sink.failure.message}`, {exit: 2})
      }
    }

    // With --json oclif prints the stats once run returns: the status is set for the exit after that (exiting
    // here would print oclif's `EEXIT: 2` in place of the report).
    const status = result.inputFailed ? 2 : result.matched === 0 ? 1 : 0
    if (status !== 0) {
      if (this.jsonEnabled()) process.exitCode = status
      else this.exit(status)
    }

    return stats
  }

  private async progressBar(inputs: readonly Input[], json: boolean): Promise<ProgressBar | undefined> {
    if (json || !process.stderr.isTTY) return undefined
    const total = await totalFileBytes(inputs)
    return total !== undefined && total >= PROGRESS_MIN_BYTES ? new ProgressBar(process.stderr, total) : undefined
  }
}
