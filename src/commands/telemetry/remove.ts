import {Args} from '@oclif/core'

import type {TelemetryDrain} from '../../api/types.js'

import {apiUrlFlag, ApiCommand, appFlags} from '../../api/command.js'

export default class TelemetryRemove extends ApiCommand {
  static override args = {
    id: Args.string({description: "the telemetry drain's id"}),
  }

  static override description = `Removes the drain with that id, or with -a and no id every telemetry drain of the app, as \`heroku telemetry:remove\` does, and prints each endpoint removed.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> 3fa85f64-5717-4562-b3fc-2c963f66afa6', description: 'Remove one drain'},
    {command: '<%= config.bin %> <%= command.id %> -a demo', description: 'Remove all of the app\'s telemetry drains'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
  }

  static override summary = 'Remove telemetry drains'

  async run(): Promise<TelemetryDrain[]> {
    const {args, flags} = await this.parse(TelemetryRemove)
    const app = args.id === undefined ? this.appFromFlags(flags) : undefined
    if (args.id === undefined && app === undefined) {
      this.error('name a telemetry drain, or an app to remove all of its drains', {exit: 2, suggestions: [`${this.config.bin} telemetry:remove ID`, `${this.config.bin} telemetry:remove -a APP`]})
    }

    const api = await this.api(flags['api-url'])
    const ids = args.id === undefined ? (await api.telemetryDrains(app!)).map((drain) => drain.id) : [args.id]
    if (ids.length === 0) this.log(`There are no telemetry drains in ${app}`)
    const removed: TelemetryDrain[] = []
    for (const id of ids) {
      const drain = await api.removeTelemetryDrain(id)
      this.log(`Removed telemetry drain ${drain.exporter.endpoint}`)
      removed.push(drain)
    }

    return removed
  }
}
