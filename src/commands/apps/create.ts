import {Args, Flags} from '@oclif/core'

import type {App} from '../../api/types.js'

import {apiUrlFlag, ApiCommand} from '../../api/command.js'

export default class AppsCreate extends ApiCommand {
  static override args = {
    name: Args.string({description: "the app's name", required: true}),
  }

  static override description = `Prints the app's log input token (t.<uuid>): senders name the app with it, as the Basic-auth password of a logplex-1 POST to /logs.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> demo', description: 'Create the app demo on the router'},
    {command: '<%= config.bin %> <%= command.id %> firapp --generation fir', description: 'A Fir app: telemetry drains, sessions that always tail'},
    {
      command: `curl -u "token:$(<%= config.bin %> <%= command.id %> demo --json | jq -r .log_input_token)" -H 'Content-Type: application/logplex-1' --data-binary @examples/drain.logplex http://127.0.0.1:5580/logs`,
      description: 'Create it and send it a drain body',
    },
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    generation: Flags.option({description: "the app's generation: fir has telemetry drains instead of log drains, and log sessions that always tail, as on Heroku", options: ['cedar', 'fir'] as const})(),
  }

  static override summary = 'Create an app on the router'

  async run(): Promise<App> {
    const {args, flags} = await this.parse(AppsCreate)
    const app = await (await this.api(flags['api-url'])).createApp(args.name, flags.generation)
    this.log(`Created app ${app.name}`)
    if (app.log_input_token) this.log(`Log input token: ${app.log_input_token}`)
    return app
  }
}
