import {Args} from '@oclif/core'

import type {Alert} from '../../api/types.js'

import {alertRows} from '../../api/alert-text.js'
import {apiUrlFlag, ApiCommand, appFlags} from '../../api/command.js'

export default class AlertsInfo extends ApiCommand {
  static override args = {
    name: Args.string({description: "the alert's name or id", required: true}),
  }

  static override description = `Prints the alert's condition, filters, hysteresis and webhooks (secrets shown as ****), then how it is doing: ok or firing since when, the value measured now, the last event, and notifications sent, failed attempts (each retry counts) and given up, with the last error.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> 5xx -a demo', description: 'Is 5xx firing, and are its notifications getting through?'},
    {command: '<%= config.bin %> <%= command.id %> 5xx -a demo --json | jq .status', description: 'The same as JSON'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
  }

  static override summary = 'Show an alert, its state and its notifications'

  async run(): Promise<Alert> {
    const {args, flags} = await this.parse(AlertsInfo)
    const app = this.requireApp(flags)
    const alert = await (await this.api(flags['api-url'])).alert(app, args.name)
    this.log(`=== ${alert.name}`)
    for (const [label, value] of alertRows(alert)) this.log(`${(label + ':').padEnd(15)}${value}`)
    return alert
  }
}
