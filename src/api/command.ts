import {Command, Errors, Flags} from '@oclif/core'

import type {PlatformApi} from './client.js'
import type {ApiTarget} from './target.js'
import type {App} from './types.js'

import {ApiError, ApiUnreachableError} from './errors.js'
import {closeHttp} from './http.js'
import {DEFAULT_API_URL} from './types.js'

export const apiUrlFlag = Flags.string({
  description: `the Platform API: logsift's router or https://api.heroku.com [env: LOGSIFT_API_URL, default: ${DEFAULT_API_URL}]`,
  helpGroup: 'API',
})

export const appFlag = Flags.string({char: 'a', description: 'the app [env: LOGSIFT_APP, HEROKU_APP]'})

/**
 * A command that talks to the Platform API: it finds the API and its key, turns API answers that are errors
 * into the Heroku CLI's message and `Error ID:` with exit 2, and closes its connections when done.
 */
export abstract class ApiCommand extends Command {
  private target: ApiTarget | undefined

  /** The API named by `--api-url`, `LOGSIFT_API_URL` or the default, with the key found for it. */
  protected async api(apiUrl: string | undefined): Promise<PlatformApi> {
    // Loaded here, not at startup: `logsift logs FILE` is this class too, and never talks to an API.
    const [{PlatformApi}, {ApiUrlError, resolveApiTarget}] = await Promise.all([import('./client.js'), import('./target.js')])
    try {
      this.target = await resolveApiTarget({dataDir: this.config.dataDir, env: process.env, flag: apiUrl})
    } catch (error) {
      if (!(error instanceof ApiUrlError)) throw error
      this.error(error.message, {exit: 2, suggestions: [`--api-url ${DEFAULT_API_URL}`, '--api-url https://api.heroku.com']})
    }

    return new PlatformApi(this.target)
  }

  /** The app from `-a`, else `LOGSIFT_APP`, else `HEROKU_APP`; undefined when none names one. */
  protected appFromEnv(flag: string | undefined): string | undefined {
    return flag || process.env.LOGSIFT_APP || process.env.HEROKU_APP || undefined
  }

  /** As `appFromEnv`, but a command that needs an app stops here without one. */
  protected requireApp(flag: string | undefined): string {
    const app = this.appFromEnv(flag)
    if (app === undefined) {
      this.error('no app given', {exit: 2, suggestions: [`${this.config.bin} ${this.id} -a myapp`, 'export LOGSIFT_APP=myapp']})
    }

    return app
  }

  /** Runs `action` on the app, creating it first on logsift's router if it does not exist yet. */
  protected async createAppOnFirstUse<T>(api: PlatformApi, app: string, action: () => Promise<T>): Promise<T> {
    const {withAppCreatedOnFirstUse} = await import('./first-use.js')
    return withAppCreatedOnFirstUse(api, app, action, (created) => this.logToStderr(appCreatedNotice(this.config.bin, created)))
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    let shown = error
    if (error instanceof ApiUnreachableError) {
      const message = this.target?.local
        ? `cannot reach the router at ${error.url} (${error.reason}): start it with \`${this.config.bin} serve\``
        : `cannot reach the API at ${error.url} (${error.reason})`
      if (this.jsonEnabled()) {
        shown = new Errors.CLIError(message, {exit: 2})
      } else {
        // One line, unwrapped (oclif would wrap it at 80 columns): the URL that was tried and the fix.
        process.stderr.write(`${this.config.bin}: ${message}\n`)
        shown = new Errors.ExitError(2)
      }
    } else if (error instanceof ApiError) {
      const message = this.jsonEnabled() ? error.message : `${error.message}\n\nError ID: ${error.id}`
      shown = Object.assign(new Errors.CLIError(message, {exit: 2, suggestions: this.suggestionsFor(error)}), {id: error.id})
    }

    // oclif takes --json's exit code from process.exitCode, and would otherwise make every error 1.
    if (shown.oclif?.exit !== undefined) process.exitCode = shown.oclif.exit
    return super.catch(shown)
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    await closeHttp()
    return super.finally(error)
  }

  private suggestionsFor(error: ApiError): string[] {
    const target = this.target
    if (error.status !== 401 || target === undefined) return []
    if (target.key === undefined) {
      return [`no API key was found for ${target.url}; looked in ${target.searched.join(', ')}`, 'export LOGSIFT_API_KEY=...']
    }

    return [`the key sent came from ${target.key.from}`]
  }
}

/** What a command says on stderr when it created an app on the router. */
export function appCreatedNotice(bin: string, app: App): string {
  const token = app.log_input_token ? ` (log input token ${app.log_input_token})` : ''
  return `${bin}: created app ${app.name} on the local router${token}`
}
