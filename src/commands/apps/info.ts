import {Args} from '@oclif/core'

import type {App, Drain} from '../../api/types.js'

import {apiUrlFlag, ApiCommand, appFlags} from '../../api/command.js'
import {deliverySummary} from '../../api/drain-delivery.js'
import {redactUrl} from '../../router/drains/redact.js'
import {dropList} from '../../router/observability/status-text.js'

export default class AppsInfo extends ApiCommand {
  // `heroku apps:info APP` works too (a hidden argument there): the same here, for the same habit.
  static override args = {app: Args.string({description: 'the app, as -a APP', hidden: true})}

  static override description = `Prints the app's id, log input token, recent-log buffer use, what was dropped of its messages and why (see \`logsift status\` for drops that name no app) and drains (passwords shown as ****), each when the API reports it: Heroku reports no token, buffer or drops.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %> -a demo', description: 'The demo app on the router'},
    {command: '<%= config.bin %> <%= command.id %> -a demo --json | jq -r .app.log_input_token', description: 'Just its log input token'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
  }

  static override summary = "Show an app's log input token, drains and buffer use"

  async run(): Promise<{app: App; drains: Drain[]}> {
    const {args, flags} = await this.parse(AppsInfo)
    const name = args.app ?? this.requireApp(flags)
    const api = await this.api(flags['api-url'])
    const [app, listed] = await Promise.all([api.app(name), api.drains(name)])
    // The list has no delivery state; each drain's own record has it (on logsift's router).
    const drains = await Promise.all(listed.map((drain) => api.drain(name, drain.id)))
    this.log(`=== ${app.name}`)
    for (const [label, value] of infoRows(app, drains)) this.log(`${(label ? `${label}:` : '').padEnd(17)}${value}`)
    return {app, drains}
  }
}

function infoRows(app: App, drains: Drain[]): Array<[string, string]> {
  const rows: Array<[string, string]> = [['Id', app.id]]
  if (app.log_input_token) rows.push(['Log input token', app.log_input_token])
  if (app.log_buffer) rows.push(['Buffer', `${app.log_buffer.messages} of ${app.log_buffer.capacity} messages`])
  if (app.log_drops) rows.push(['Dropped', dropList(app.log_drops)])
  for (const [i, drain] of drains.entries()) {
    const delivery = deliverySummary(drain.delivery)
    rows.push([i === 0 ? 'Drains' : '', `${redactUrl(drain.url)} (${drain.token})${delivery ? `: ${delivery}` : ''}`])
  }

  if (app.created_at) rows.push(['Created at', app.created_at])
  return rows
}
