import {Flags} from '@oclif/core'
import {spawn} from 'node:child_process'

import {apiUrlFlag, ApiCommand, appFlags} from '../api/command.js'
import type {PlatformApi} from '../api/client.js'
import {ApiError} from '../api/errors.js'

/** How long the browser opener may take to say whether it worked. */
const OPENER_TIMEOUT_MS = 5000

export default class Open extends ApiCommand {
  static override description = `Opens logsift's router page (apps, live tail, history, charts) in your browser, logged in by a one-time link that works once and for a minute: the page swaps it for a session cookie, and the API key itself never goes into the URL or the page. Where no browser can be opened, and with --print, prints the link instead. The page also has a login form that takes the API key.`

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %>', description: 'The apps page'},
    {command: '<%= config.bin %> <%= command.id %> -a myapp', description: "myapp's live tail"},
    {command: '<%= config.bin %> <%= command.id %> -a myapp --print', description: 'Only print the link (for another machine, or a browser of your choice)'},
  ]

  static override flags = {
    ...appFlags,
    'api-url': apiUrlFlag,
    print: Flags.boolean({description: 'print the link instead of opening a browser'}),
  }

  static override summary = "Open the router's page in a browser: live tail, history search and charts"

  async run(): Promise<{url: string}> {
    const {flags} = await this.parse(Open)
    const app = this.appFromFlags(flags)
    const api = await this.api(flags['api-url'])
    let token: string
    try {
      ({token} = await api.webOpenToken())
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error
      this.error(`${api.target.url} is not logsift's router: it has no page`, {exit: 2, suggestions: [`start one with \`${this.config.bin} serve\``]})
    }

    // Asked once the API is known to be logsift's router, which answers for its apps: a link to an app it
    // does not have would open on a tail of nothing.
    if (app !== undefined) await this.requireExistingApp(api, app)

    // In the fragment: browsers never send it to the server, and the page removes it once used.
    const url = `${api.target.url}/web/#open=${token}${app === undefined ? '' : `&app=${encodeURIComponent(app)}`}`
    if (flags.print || !(await openInBrowser(url))) this.log(url)
    return {url}
  }

  private async requireExistingApp(api: PlatformApi, app: string): Promise<void> {
    try {
      await api.app(app)
    } catch (error) {
      if (!(error instanceof ApiError) || error.id !== 'not_found') throw error
      this.error(`Couldn't find app ${app} on ${api.target.url}`, {exit: 2, suggestions: [`\`${this.config.bin} apps\` lists its apps`]})
    }
  }
}

/** Asks the desktop to open the URL; false when there is no desktop or its opener failed. */
function openInBrowser(url: string): Promise<boolean> {
  const opener = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url] : ['xdg-open', url]
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return Promise.resolve(false)
  return new Promise((resolve) => {
    const child = spawn(opener[0], opener.slice(1), {detached: true, stdio: 'ignore'})
    const timer = setTimeout(() => {
      child.unref()
      resolve(true)
    }, OPENER_TIMEOUT_MS)
    child.once('error', () => {
      clearTimeout(timer)
      resolve(false)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code === 0)
    })
  })
}
