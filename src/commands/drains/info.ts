import {Args} from '@oclif/core'

import type {Drain} from '../../api/types.js'

import {apiUrlFlag, ApiCommand, appFlags} from '../../api/command.js'
import {deliveryRows} from '../../api/drain-delivery.js'
import {redactUrl} from '../../router/drains/redact.js'

export default class DrainsInfo extends ApiCommand {
  static override args = {
    drain: Args.string({description: "the drain's URL, token (d.<uuid>) or id", required: true}),
  }

  static override description = `Prints the drain's URL (a password, or a user given alone as an ingest token, shown as ****) and token, then how its delivery is going on logsift's router: the state (connected, retrying or failing, with the last error), messages delivered, dropped (removed by retention before the drain reached them, or refused by the receiver), its position in the app's log and how many messages it is behind the end (lag), and the last success. Heroku's API does not report delivery; against it only the drain is shown.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> d.8f14e45f-ceea-467f-a0e6-7a8d1c2b3f40 -a demo', description: 'How a drain is doing'},
    {command: '<%= config.bin %> <%= command.id %> syslog+tls://logs.example.com:6514 -a demo --json', description: 'The same as JSON'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
  }

  static override summary = 'Show a log drain and how its delivery is going'

  async run(): Promise<Drain> {
    const {args, flags} = await this.parse(DrainsInfo)
    const app = this.requireApp(flags)
    const drain = await (await this.api(flags['api-url'])).drain(app, args.drain)
    this.log(`=== ${redactUrl(drain.url)} (${drain.token})`)
    for (const [label, value] of deliveryRows(drain.delivery)) this.log(`${(label + ':').padEnd(14)}${value}`)
    return drain
  }
}
