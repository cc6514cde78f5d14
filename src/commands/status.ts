import {apiUrlFlag, ApiCommand} from '../api/command.js'
import {ApiError} from '../api/errors.js'
import type {RouterStatus} from '../api/types.js'
import {statusLines} from '../router/observability/status-text.js'

export default class Status extends ApiCommand {
  static override description = `Prints how long logsift's router has been up, what it listens on (with open connections and the UDP receive buffer the kernel granted), open log sessions, what it dropped and why, and per app the messages taken in, handed out (Out: to log sessions, recent lines or tails, and to drains) and dropped; then, for apps with alerts, how many rules, how many firing, and notifications sent, failed attempts and given up. A drop that names no app (a syslog message for an unknown app, a frame that is not syslog, a refused connection, the kernel's UDP drops) is counted router-wide only.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %>', description: "The local router's state"},
    {command: '<%= config.bin %> <%= command.id %> --json | jq .drops', description: 'Its drops, by reason'},
  ]

  static override flags = {
    'api-url': apiUrlFlag,
  }

  static override summary = "Show the router's listeners, traffic and drops"

  async run(): Promise<RouterStatus> {
    const {flags} = await this.parse(Status)
    const api = await this.api(flags['api-url'])
    let status: RouterStatus
    try {
      status = await api.status()
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error
      this.error(`${api.target.url} is not logsift's router: it has no GET /status`, {exit: 2, suggestions: [`start one with \`${this.config.bin} serve\``]})
    }

    for (const line of statusLines(status)) this.log(line)
    return status
  }
}
