import {Args} from '@oclif/core'

import type {Alert} from '../../api/types.js'

import {apiUrlFlag, ApiCommand, appFlags} from '../../api/command.js'

export default class AlertsRemove extends ApiCommand {
  static override args = {
    name: Args.string({description: "the alert's name or id", required: true}),
  }

  static override description = 'Prints `Successfully removed alert NAME`. The alert stops at once; a notification it was still retrying is not sent. An alert removed while firing resolves: its webhooks get a `resolved` event with reason `removed`.'

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> 5xx -a demo', description: 'Remove the alert 5xx'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
  }

  static override summary = 'Remove an alert from an app'

  async run(): Promise<Alert> {
    const {args, flags} = await this.parse(AlertsRemove)
    const app = this.requireApp(flags)
    const alert = await (await this.api(flags['api-url'])).removeAlert(app, args.name)
    this.log(`Successfully removed alert ${alert.name}`)
    return alert
  }
}
