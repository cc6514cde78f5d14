import {mkdirSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'

import {type CliResult, runCli, tempDir} from '../helpers/cli.js'
import {FakePlatform} from './fake-platform.js'

/**
 * An environment for the CLI that finds nothing of the developer's: a temporary HOME (no ~/.netrc) and data
 * directory (no router key file), and no key, API URL or app variables unless given.
 */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv & {HOME: string; LOGSIFT_DATA_DIR: string} {
  const home = tempDir('logsift-home-')
  const dataDir = join(home, 'data')
  mkdirSync(dataDir)
  return {
    HEROKU_API_KEY: '',
    HEROKU_APP: '',
    HOME: home,
    LOGSIFT_API_KEY: '',
    LOGSIFT_API_URL: '',
    LOGSIFT_APP: '',
    LOGSIFT_DATA_DIR: dataDir,
    ...extra,
  }
}

/** A FakePlatform started before the suite's tests and closed after them. */
export function fakePlatform(): FakePlatform {
  const platform = new FakePlatform()
  before(() => platform.start())
  after(() => platform.close())
  return platform
}

/** Runs the CLI against `platform` with its key. */
export function runAgainst(platform: FakePlatform, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, {env: isolatedEnv({LOGSIFT_API_KEY: platform.key, LOGSIFT_API_URL: platform.url, ...env})})
}

/** A port nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise((resolve) => server.close(resolve))
  return port
}
