import {Args, Flags} from '@oclif/core'

import type {TelemetryDrain} from '../../api/types.js'

import {apiUrlFlag, ApiCommand, appFlags} from '../../api/command.js'

const SIGNALS = ['logs', 'metrics', 'traces']

export default class TelemetryAdd extends ApiCommand {
  static override args = {
    endpoint: Args.string({description: 'the OTLP endpoint: a base URL (logs go to its /v1/logs over HTTP)', required: true}),
  }

  static override description = `Sends \`heroku telemetry:add\`'s request and prints \`successfully added drain ENDPOINT\`. On logsift's router the app's log, whatever it came in as (syslog, logplex-1, OTLP), is sent to the endpoint as OTLP: --transport http is OTLP/HTTP protobuf, grpc is OTLP/gRPC. On logsift's router an app that does not exist yet is created first.`

  static override enableJsonFlag = true

  static override examples = [
    {command: `<%= config.bin %> <%= command.id %> https://otel.example.com -a demo --signals logs --headers '{"x-api-key":"KEY"}'`, description: 'Send the logs to an OTLP/HTTP endpoint'},
    {command: '<%= config.bin %> <%= command.id %> https://otel.example.com:4317 -a demo --transport grpc', description: 'The same over gRPC'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
    headers: Flags.string({description: 'headers to send with every request, as a JSON object', helpValue: 'JSON'}),
    signals: Flags.string({default: 'all', description: 'comma-separated: logs, metrics, traces, or all (the router only has logs)'}),
    transport: Flags.option({default: 'http' as const, description: 'OTLP transport', options: ['http', 'grpc'] as const})(),
  }

  static override summary = 'Add a telemetry drain (OTLP) to an app'

  async run(): Promise<TelemetryDrain> {
    const {args, flags} = await this.parse(TelemetryAdd)
    const app = this.requireApp(flags)
    const signals = this.signals(flags.signals)
    const headers = this.headers(flags.headers)
    const api = await this.api(flags['api-url'])
    const {id} = await this.createAppOnFirstUse(api, app, () => api.app(app))
    const drain = await api.addTelemetryDrain({
      exporter: {endpoint: args.endpoint, headers, type: flags.transport === 'grpc' ? 'otlp' : 'otlphttp'},
      owner: {id, type: 'app'},
      signals,
    })
    this.log(`successfully added drain ${drain.exporter.endpoint}`)
    return drain
  }

  private signals(text: string): string[] {
    if (text === 'all') return SIGNALS
    const signals = text.split(',').map((signal) => signal.trim())
    const unknown = signals.filter((signal) => !SIGNALS.includes(signal))
    if (unknown.length > 0) this.error(`--signals ${unknown.join(',')}: not a signal`, {exit: 2, suggestions: ['--signals logs', '--signals logs,traces,metrics', '--signals all']})
    return signals
  }

  private headers(text: string | undefined): Record<string, string> {
    if (text === undefined) return {}
    let headers: unknown
    try {
      headers = JSON.parse(text)
    } catch {
      headers = undefined
    }

    if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || !Object.values(headers).every((value) => typeof value === 'string')) {
      this.error('--headers must be a JSON object of header names to string values', {exit: 2, suggestions: [`--headers '{"Authorization":"Basic dG9rZW46dC4uLg=="}'`]})
    }

    return headers as Record<string, string>
  }
}
