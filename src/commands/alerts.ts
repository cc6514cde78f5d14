import type {Alert} from '../api/types.js'

import {alertTable} from '../api/alert-text.js'
import {apiUrlFlag, ApiCommand, appFlags} from '../api/command.js'

export default class Alerts extends ApiCommand {
  static override description = `Prints \`=== Alerts\` and then one line per alert: its name, condition, filters and state (ok, or firing since when); nothing when the app has none. Alerts are logsift's router's own (a logsift extension of the Platform API); Heroku has none.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> -a demo', description: "List the demo app's alerts"},
    {command: "<%= config.bin %> <%= command.id %> -a demo --json | jq -r '.[] | select(.status.state == \"firing\") | .name'", description: 'The names of those firing'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
  }

  static override summary = "List an app's alerts and whether they are firing"

  async run(): Promise<Alert[]> {
    const {flags} = await this.parse(Alerts)
    const app = this.requireApp(flags)
    const alerts = await (await this.api(flags['api-url'])).alerts(app)
    if (alerts.length > 0) {
      this.log('=== Alerts')
      for (const line of alertTable(alerts)) this.log(line)
    }

    return alerts
  }
}
