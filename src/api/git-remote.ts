import {requireBuiltin} from '../builtin.js'

/** The remote `heroku git:remote` creates, and the one the Heroku CLI reads when `-r` is not given. */
export const DEFAULT_REMOTE = 'heroku'

/** The app a Heroku git URL pushes to: `https://git.heroku.com/APP.git`, `git@heroku.com:APP.git` or `ssh://git@heroku.com/APP.git`. */
export function herokuAppFromGitUrl(url: string): string | undefined {
  const match = /^(?:https:\/\/git\.heroku\.com\/|git@heroku\.com:|ssh:\/\/git@heroku\.com\/)([\w-]+?)(?:\.git)?\/?$/i.exec(url.trim())
  return match?.[1]
}

/** `-r REMOTE` names no remote, or one that is not a Heroku app's. The message names the remote. */
export class GitRemoteError extends Error {
  constructor(
    message: string,
    readonly suggestions: string[],
  ) {
    super(message)
  }
}

/** `git config --get KEY` in `cwd`, or undefined when it is not set (or git is not installed or not a repository). */
function gitConfig(key: string, cwd: string): string | undefined {
  const {spawnSync} = requireBuiltin('node:child_process') as typeof import('node:child_process')
  const result = spawnSync('git', ['config', '--get', key], {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})
  return result.status === 0 ? result.stdout.trim() : undefined
}

/** The app of git remote `remote` in `cwd`, as `heroku -r REMOTE` finds it; a GitRemoteError when there is none. */
export function appFromGitRemote(remote: string, cwd: string): string {
  const url = gitConfig(`remote.${remote}.url`, cwd)
  if (url === undefined) {
    throw new GitRemoteError(`-r ${remote}: no git remote named ${remote} in ${cwd}`, ['git remote -v lists the remotes; heroku git:remote -a APP adds one', '-a APP names the app directly'])
  }

  const app = herokuAppFromGitUrl(url)
  if (app === undefined) {
    throw new GitRemoteError(`-r ${remote}: ${url} is not a Heroku app's git URL (https://git.heroku.com/APP.git)`, ['-a APP names the app directly'])
  }

  return app
}

/**
 * The app of the default remote when nothing else names one, as the Heroku CLI: the remote named by git config
 * `heroku.remote`, else `heroku`. Undefined when that remote does not exist or is not a Heroku app's.
 */
export function appFromDefaultRemote(cwd: string): string | undefined {
  const remote = gitConfig('heroku.remote', cwd) || DEFAULT_REMOTE
  const url = gitConfig(`remote.${remote}.url`, cwd)
  return url === undefined ? undefined : herokuAppFromGitUrl(url)
}
