import {Args} from '@oclif/core'

import type {Drain} from '../../api/types.js'

import {apiUrlFlag, ApiCommand, appFlags} from '../../api/command.js'
import {redactUrl} from '../../router/drains/redact.js'

export default class DrainsAdd extends ApiCommand {
  static override args = {
    url: Args.string({description: 'where to send the logs: syslog://, syslog+tls:// or https:// (http:// on the router)', required: true}),
  }

  static override description = `Prints \`Successfully added drain URL\` as \`heroku drains:add\` does, with a password in the URL shown as ****. On logsift's router an app that does not exist yet is created first.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> syslog+tls://logs.example.com:6514 -a demo', description: 'Send the logs to a syslog server over TLS'},
    {command: "<%= config.bin %> <%= command.id %> 'https://user:secret@collector.example.com/heroku' -a demo", description: 'An HTTPS drain with Basic auth'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
  }

  static override summary = 'Add a log drain to an app'

  async run(): Promise<Drain> {
    const {args, flags} = await this.parse(DrainsAdd)
    const app = this.requireApp(flags)
    const api = await this.api(flags['api-url'])
    const drain = await this.createAppOnFirstUse(api, app, () => api.addDrain(app, args.url))
    this.log(`Successfully added drain ${redactUrl(drain.url)}`)
    return drain
  }
}
