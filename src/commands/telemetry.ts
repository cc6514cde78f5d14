import type {TelemetryDrain} from '../api/types.js'

import {apiUrlFlag, ApiCommand, appFlags} from '../api/command.js'

export default class Telemetry extends ApiCommand {
  static override description = `Prints \`=== APP Telemetry Drains\` and one line per drain, its id, signals and endpoint, as \`heroku telemetry\` does, or \`There are no telemetry drains in APP\`. --json prints the API's drains, headers included.

Telemetry drains are Fir's: the app's log is sent to them as OpenTelemetry (OTLP). Talks to logsift's router by default, or to Heroku with --api-url https://api.heroku.com.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> -a demo', description: "List the demo app's telemetry drains"},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
  }

  static override summary = "List an app's telemetry drains"

  async run(): Promise<TelemetryDrain[]> {
    const {flags} = await this.parse(Telemetry)
    const app = this.requireApp(flags)
    const drains = await (await this.api(flags['api-url'])).telemetryDrains(app)
    if (drains.length === 0) {
      this.log(`There are no telemetry drains in ${app}`)
      return drains
    }

    this.log(`=== ${app} Telemetry Drains`)
    for (const drain of drains) this.log(`${drain.id}  ${drain.signals.join(',')}  ${drain.exporter.endpoint}`)
    return drains
  }
}
