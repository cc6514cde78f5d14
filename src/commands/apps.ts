import type {App} from '../api/types.js'

import {apiUrlFlag, ApiCommand} from '../api/command.js'

export default class Apps extends ApiCommand {
  static override description = 'Prints `=== Apps` and then one app name per line; nothing when there are none.'

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %>', description: "The apps on logsift's router"},
    {command: '<%= config.bin %> <%= command.id %> --json | jq -r .[].log_input_token', description: 'Their log input tokens'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
  }

  static override summary = 'List the apps'

  async run(): Promise<App[]> {
    const {flags} = await this.parse(Apps)
    const apps = await (await this.api(flags['api-url'])).apps()
    if (apps.length > 0) {
      this.log('=== Apps')
      for (const app of apps) this.log(app.name)
    }

    return apps
  }
}
