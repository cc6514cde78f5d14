import {readFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {parseNetrc} from './netrc.js'
import {DEFAULT_API_URL} from './types.js'

/** The file in the router's data directory that holds its API key. */
export const API_KEY_FILE = 'api-key'

export interface ApiKey {
  key: string
  /** Where it was found, for messages: `LOGSIFT_API_KEY`, `~/.netrc (machine api.heroku.com)`, a path. */
  from: string
}

/** An API to talk to: its base URL (no trailing slash) and the key found for it, if any. */
export interface ApiTarget {
  url: string
  key: ApiKey | undefined
  /** Where the key was looked for, in order, for the message when none fits. */
  searched: string[]
  /** The API is logsift's own router on this machine (not Heroku), so it may create apps on first use. */
  local: boolean
}

export interface TargetOptions {
  /** `--api-url` */
  flag?: string
  env: NodeJS.ProcessEnv
  /** oclif's data directory for logsift, where `logsift serve` writes its key by default. */
  dataDir: string
  home?: string
}

/** A base URL that is not http(s). */
export class ApiUrlError extends Error {}

/**
 * The API's URL (`--api-url`, `LOGSIFT_API_URL`, the local router) and its key, looked for in this order:
 * `LOGSIFT_API_KEY`, `HEROKU_API_KEY`, `~/.netrc` for the URL's host (`api.heroku.com` on Heroku, as
 * `heroku login` writes it), then the local router's key file. A key in `.netrc` is only ever sent to the
 * host it is filed under, and the router's key file only to a router on this machine.
 */
export async function resolveApiTarget(options: TargetOptions): Promise<ApiTarget> {
  const url = parseApiUrl(options.flag ?? (options.env.LOGSIFT_API_URL || DEFAULT_API_URL))
  const {hostname} = new URL(url)
  const local = isLoopback(hostname)
  const netrcPath = join(options.home ?? homedir(), '.netrc')
  const keyFile = join(options.dataDir, API_KEY_FILE)
  const searched = ['LOGSIFT_API_KEY', 'HEROKU_API_KEY', `${netrcPath} (machine ${hostname})`]
  if (local) searched.push(keyFile)

  for (const name of ['LOGSIFT_API_KEY', 'HEROKU_API_KEY']) {
    const key = options.env[name]?.trim()
    if (key) return {key: {from: name, key}, local, searched, url}
  }

  const password = parseNetrc(await readOptional(netrcPath)).get(hostname)?.password
  if (password) return {key: {from: `${netrcPath} (machine ${hostname})`, key: password}, local, searched, url}

  const fileKey = local ? (await readOptional(keyFile)).trim() : ''
  if (fileKey) return {key: {from: keyFile, key: fileKey}, local, searched, url}

  return {key: undefined, local, searched, url}
}

function parseApiUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new ApiUrlError(`not a URL: ${text}`)
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ApiUrlError(`not an http(s) URL: ${text}`)
  return url.href.replace(/\/+$/, '')
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch {
    return ''
  }
}
