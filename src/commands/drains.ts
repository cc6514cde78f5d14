import type {Drain} from '../api/types.js'

import {apiUrlFlag, ApiCommand, appFlags} from '../api/command.js'
import {redactUrl} from '../router/drains/redact.js'

export default class Drains extends ApiCommand {
  static override description = `Prints \`=== Drains\` and then one line per drain, \`URL (TOKEN)\`, as \`heroku drains\` does, and nothing when the app has none; drains an add-on made (on Heroku) follow under \`=== Add-on Drains\` as \`PLAN (ADD-ON)\`. A password in a drain URL is shown as ****; --json prints the API's drains, passwords included.

Talks to logsift's router (\`logsift serve\`) by default, or to Heroku with --api-url https://api.heroku.com.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> -a demo', description: "List the demo app's drains"},
    {command: '<%= config.bin %> <%= command.id %> -a demo --json | jq -r .[].token', description: 'Their tokens, for a script'},
    {command: '<%= config.bin %> <%= command.id %> -a myapp --api-url https://api.heroku.com', description: 'A Heroku app (key from HEROKU_API_KEY or ~/.netrc)'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
  }

  static override summary = "List an app's log drains"

  async run(): Promise<Drain[]> {
    const {flags} = await this.parse(Drains)
    const app = this.requireApp(flags)
    const api = await this.api(flags['api-url'])
    const drains = await api.drains(app)
    const own = drains.filter((drain) => drain.addon === null)
    if (own.length > 0) {
      this.log('=== Drains')
      for (const drain of own) this.log(`${redactUrl(drain.url)} (${drain.token})`)
    }

    const addonDrains = drains.filter((drain) => drain.addon !== null)
    if (addonDrains.length > 0) {
      const addons = await Promise.all(addonDrains.map((drain) => api.addon(app, drain.addon!.name)))
      this.log('=== Add-on Drains')
      for (const addon of addons) this.log(`${addon.plan.name} (${addon.name})`)
    }

    return drains
  }
}
