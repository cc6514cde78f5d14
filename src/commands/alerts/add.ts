import {Args, Flags} from '@oclif/core'

import type {Alert} from '../../api/types.js'

import {notifierText} from '../../api/alert-text.js'
import {apiUrlFlag, ApiCommand, appFlags} from '../../api/command.js'
import {logReadingFlags} from '../../cli/log-reading.js'
import {parseNotifierText} from '../../router/alerts/webhook-url.js'

export default class AlertsAdd extends ApiCommand {
  static override args = {
    name: Args.string({description: 'the alert\'s name, unique in the app (5xx, slow-api, worker-quiet)', required: true}),
  }

  static override description = `The alert looks at each of the app's messages as the router receives it: those that pass the filters (the flags of \`logsift logs\`) count toward the condition --when, over a sliding window:

  count OP N in WINDOW           matching messages in the window (count > 10 in 5m)
  rate(WHERE) OP N% [in WINDOW]  of the router requests (heroku[router] lines) passing the filters, the share for which the --where expression WHERE holds (rate(status>=500) > 2%)
  pNN(FIELD) OP VALUE [in WINDOW] the NNth percentile of a numeric field, units as in --where (p99(service) > 2s in 5m)
  absent WINDOW                  no matching message for that long (-d worker.2 --when 'absent 10m')

OP is >, >=, < or <=; the window is 5m unless given (1s to 24h). The alert fires once when the condition starts to hold and resolves once it has not held for --resolve-after. Each event is written into the app's log as a \`heroku[logsift]: Alert "NAME" firing: ...\` line and POSTed to every --notify webhook (JSON, or Slack's {"text"} with slack=URL), retried with backoff. Webhook secrets are shown as ****. On logsift's router an app that does not exist yet is created first.`

  static override enableJsonFlag = true

  static override examples = [
    {command: "<%= config.bin %> <%= command.id %> 5xx -a demo --when 'rate(status>=500) > 2%' --notify https://hooks.example.com/alerts", description: 'More than 2% of requests failing over 5 minutes'},
    {command: "<%= config.bin %> <%= command.id %> slow -a demo -d router --when 'p99(service) > 2s in 5m' --notify slack=https://hooks.slack.com/services/T0/B0/XXXX", description: 'Slow requests, to a Slack channel'},
    {command: "<%= config.bin %> <%= command.id %> errors -a demo -l error --exclude 'healthz' --when 'count > 10 in 5m' --resolve-after 10m --notify https://hooks.example.com/a", description: 'A burst of errors, resolved after 10 quiet minutes'},
    {command: "<%= config.bin %> <%= command.id %> worker-quiet -a demo -d worker.2 --when 'absent 10m' --notify https://hooks.example.com/a", description: 'A dyno that stopped logging'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
    ...appFlags,
    dyno: logReadingFlags.dyno,
    exclude: logReadingFlags.exclude,
    grep: logReadingFlags.grep,
    'ignore-case': logReadingFlags['ignore-case'],
    level: logReadingFlags.level,
    notify: Flags.string({description: 'a webhook to POST each event to: URL (JSON), json=URL or slack=URL (Slack\'s {"text"}); repeat for more', helpValue: 'URL', multiple: true}),
    'resolve-after': Flags.string({default: '5m', description: 'resolve once the condition has not held for this long (hysteresis: a flapping condition stays one episode)', helpValue: 'DURATION'}),
    source: logReadingFlags.source,
    when: Flags.string({description: "the condition: 'count > 10 in 5m', 'rate(status>=500) > 2%', 'p99(service) > 2s in 5m' or 'absent 10m'", helpValue: 'CONDITION', required: true}),
    where: logReadingFlags.where,
  }

  static override summary = 'Add an alert on an app\'s live log'

  async run(): Promise<Alert> {
    const {args, flags} = await this.parse(AlertsAdd)
    const app = this.requireApp(flags)
    const api = await this.api(flags['api-url'])
    const alert = await this.createAppOnFirstUse(api, app, () => api.addAlert(app, {
      dyno: flags.dyno,
      exclude: flags.exclude,
      grep: flags.grep,
      ignore_case: flags['ignore-case'] || undefined,
      level: flags.level,
      name: args.name,
      notify: (flags.notify ?? []).map((text) => parseNotifierText(text)),
      resolve_after: flags['resolve-after'],
      source: flags.source,
      when: flags.when,
      where: flags.where,
    }))
    const notify = alert.notify.length === 0 ? 'writing its events into the app\'s log only' : `notifying ${alert.notify.map((notifier) => notifierText(notifier)).join(', ')}`
    this.log(`Successfully added alert ${alert.name}: ${alert.when}, ${notify}`)
    return alert
  }
}
