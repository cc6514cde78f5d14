import {Command, Errors, Flags} from '@oclif/core'

import type {PlatformApi} from './client.js'
import type {ApiTarget} from './target.js'
import type {App} from './types.js'

import {ApiError, ApiUnreachableError, CONNECTION_REFUSED} from './errors.js'
import {appFromDefaultRemote, appFromGitRemote, GitRemoteError} from './git-remote.js'
import {closeHttp} from './http.js'
import {DEFAULT_API_URL} from './types.js'
import {usageError} from '../cli/error-output.js'

export const apiUrlFlag = Flags.string({
  description: `the Platform API: logsift's router or https://api.heroku.com [env: LOGSIFT_API_URL, default: ${DEFAULT_API_URL}]`,
  helpGroup: 'API',
})

export const appFlag = Flags.string({char: 'a', description: 'the app [env: LOGSIFT_APP, HEROKU_APP; else the app of git remote heroku]'})

/** The Heroku CLI's `-r`: the app a git remote of the current repository pushes to. */
export const remoteFlag = Flags.string({char: 'r', description: 'the app of this git remote (https://git.heroku.com/APP.git), as heroku -r', exclusive: ['app']})

/** `-a` and `-r`, for every command that works on one app. */
export const appFlags = {app: appFlag, remote: remoteFlag}

export interface AppFlagValues {
  app?: string
  remote?: string
}

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

  /** The app named on the command line: `-a`, or the app of `-r`'s git remote; undefined when neither is given. */
  protected appFromFlags(flags: AppFlagValues): string | undefined {
    if (flags.app) return flags.app
    if (flags.remote === undefined) return undefined
    try {
      return appFromGitRemote(flags.remote, process.cwd())
    } catch (error) {
      if (!(error instanceof GitRemoteError)) throw error
      this.error(error.message, {exit: 2, suggestions: error.suggestions})
    }
  }

  /**
   * The app from `-a` or `-r`, else `LOGSIFT_APP`, else `HEROKU_APP`, else the git remote the Heroku CLI would
   * use (`heroku`); undefined when none names one.
   */
  protected appFromEnv(flags: AppFlagValues): string | undefined {
    return this.appFromFlags(flags) || process.env.LOGSIFT_APP || process.env.HEROKU_APP || appFromDefaultRemote(process.cwd())
  }

  /** As `appFromEnv`, but a command that needs an app stops here without one. */
  protected requireApp(flags: AppFlagValues): string {
    const app = this.appFromEnv(flags)
    if (app === undefined) {
      this.error('no app given', {exit: 2, suggestions: [`${this.config.bin} ${this.id} -a myapp`, 'export LOGSIFT_APP=myapp', `${this.config.bin} ${this.id} -r REMOTE, in a git repository with a Heroku remote`]})
    }

    return app
  }

  /** Runs `action` on the app, creating it first on logsift's router if it does not exist yet. */
  protected async createAppOnFirstUse<T>(api: PlatformApi, app: string, action: () => Promise<T>): Promise<T> {
    const {withAppCreatedOnFirstUse} = await import('./first-use.js')
    return withAppCreatedOnFirstUse(api, app, action, (created) => this.logToStderr(appCreatedNotice(this.config.bin, created)))
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    // A usage mistake as one line (with --json too, where oclif would print the parser's whole context).
    let shown: Error & {oclif?: {exit?: number}} = usageError(error)
    if (error instanceof ApiUnreachableError) {
      // Only a refused connection means nothing listens: a router that answers in another way is running.
      const message = this.target?.local
        ? `cannot reach the router at ${error.url} (${error.reason})${error.reason === CONNECTION_REFUSED ? `: start it with \`${this.config.bin} serve\`` : ''}`
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
