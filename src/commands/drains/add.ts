import {Args, Flags} from '@oclif/core'

import type {Drain} from '../../api/types.js'

import {apiUrlFlag, ApiCommand, appFlags} from '../../api/command.js'
import {parseTimeBound} from '../../query/time-bound.js'
import {QueryError} from '../../query/query-error.js'
import {redactUrl} from '../../router/drains/redact.js'

export default class DrainsAdd extends ApiCommand {
  static override args = {
    url: Args.string({description: 'where to send the logs: syslog://, syslog+tls:// or https:// (http:// on the router)', required: true}),
  }

  static override description = `Prints \`Successfully added drain URL\` as \`heroku drains:add\` does, with a password in the URL shown as ****. On logsift's router an app that does not exist yet is created first.

A drain starts with the next message, as on Heroku. On logsift's router --since makes it deliver the app's stored log from that time first (by when the router received each message), then go on live.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> syslog+tls://logs.example.com:6514 -a demo', description: 'Send the logs to a syslog server over TLS'},
    {command: "<%= config.bin %> <%= command.id %> 'https://user:secret@collector.example.com/heroku' -a demo", description: 'An HTTPS drain with Basic auth'},
    {command: '<%= config.bin %> <%= command.id %> syslog://logs.example.com:601 -a demo --since 1h', description: 'Send the last hour first, then what comes (logsift\'s router)'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
    since: Flags.string({description: "logsift's router: deliver the stored log from this time first: RFC 3339 or relative (30m, 2h, 3d)"}),
  }

  static override summary = 'Add a log drain to an app'

  async run(): Promise<Drain> {
    const {args, flags} = await this.parse(DrainsAdd)
    const app = this.requireApp(flags)
    const api = await this.api(flags['api-url'])
    const since = flags.since === undefined ? undefined : this.since(flags.since, api.target.local)
    const drain = await this.createAppOnFirstUse(api, app, () => api.addDrain(app, args.url, since))
    this.log(`Successfully added drain ${redactUrl(drain.url)}`)
    return drain
  }

  /** `--since` as the RFC 3339 time the router takes; only logsift's router replays a log. */
  private since(text: string, local: boolean): string {
    if (!local) this.error("--since is an extension of logsift's router; a Heroku drain starts at the end of the log", {exit: 2})
    try {
      return new Date(parseTimeBound('--since', text, Date.now())).toISOString()
    } catch (error) {
      if (error instanceof QueryError) this.error(error.message, {exit: 2, suggestions: ['--since 1h', '--since 2024-05-01T12:00:00Z']})
      throw error
    }
  }
}
