import {Args} from '@oclif/core'

import type {Drain} from '../../api/types.js'

import {apiUrlFlag, ApiCommand, appFlags} from '../../api/command.js'
import {redactUrl} from '../../router/drains/redact.js'

export default class DrainsRemove extends ApiCommand {
  static override args = {
    drain: Args.string({description: "the drain's URL, token (d.<uuid>) or id", required: true}),
  }

  static override description = `Prints \`Successfully removed drain URL\` as \`heroku drains:remove\` does, with a password in the URL shown as ****.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> syslog+tls://logs.example.com:6514 -a demo', description: 'Remove a drain by its URL'},
    {command: '<%= config.bin %> <%= command.id %> d.8f14e45f-ceea-467f-a0e6-7a8d1c2b3f40 -a demo', description: 'Remove a drain by its token'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
  }

  static override summary = 'Remove a log drain from an app'

  async run(): Promise<Drain> {
    const {args, flags} = await this.parse(DrainsRemove)
    const app = this.requireApp(flags)
    const drain = await (await this.api(flags['api-url'])).removeDrain(app, args.drain)
    this.log(`Successfully removed drain ${redactUrl(drain.url)}`)
    return drain
  }
}
