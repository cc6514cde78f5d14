import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {herokuAppFromGitUrl} from '../../src/api/git-remote.js'
import {fakePlatform, isolatedEnv} from '../api/helpers.js'
import {runCli, tempDir} from '../helpers/cli.js'

const ANSI = /\u001B\[/

/** What a Heroku CLI 11 user types for `heroku logs` works on `logsift logs`. */
describe('heroku logs spellings on logsift logs (CLI)', function () {
  this.timeout(30_000)
  const dir = tempDir()
  const log = join(dir, 'app.log')
  const dynos = ['web.1', 'web.2', 'web.10', 'worker.1', 'router']
  writeFileSync(log, dynos.map((dyno, i) => `2024-05-01T12:00:0${i}.000000+00:00 ${dyno === 'router' ? 'heroku' : 'app'}[${dyno}]: line from ${dyno}\n`).join(''))
  const dynosIn = (stdout: string) => stdout.split('\n').filter(Boolean).map((line) => /\[(.+?)\]/.exec(line)![1])

  it('--dyno-name NAME: that dyno only', async () => {
    const result = await runCli(['logs', '--dyno-name', 'web.1', log])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(dynosIn(result.stdout), ['web.1'])
  })

  it('-p/--process-type TYPE: every dyno of that type', async () => {
    for (const flag of ['-p', '--process-type']) {
      const result = await runCli(['logs', flag, 'web', log])
      assert.equal(result.code, 0, result.stderr)
      assert.deepEqual(dynosIn(result.stdout), ['web.1', 'web.2', 'web.10'], flag)
    }
  })

  it('-s, -n and --force-colors as heroku logs takes them', async () => {
    const result = await runCli(['logs', '-s', 'app', '-n', '2', '--force-colors', log])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, ANSI)
    assert.deepEqual(dynosIn(result.stdout.replaceAll(/\u001B\[\d+m/g, '')), ['web.10', 'worker.1'])
  })

  it('--no-color and HEROKU_LOGS_COLOR=0 turn colour off', async () => {
    const forced = await runCli(['logs', log], {env: {FORCE_COLOR: '1'}})
    assert.match(forced.stdout, ANSI)
    const noColor = await runCli(['logs', '--no-color', log], {env: {FORCE_COLOR: '1'}})
    const herokuEnv = await runCli(['logs', log], {env: {FORCE_COLOR: '1', HEROKU_LOGS_COLOR: '0'}})
    const noColorForce = await runCli(['logs', '--no-color', '--force-colors', log])
    for (const result of [noColor, herokuEnv, noColorForce]) {
      assert.equal(result.code, 0, result.stderr)
      assert.doesNotMatch(result.stdout, ANSI)
      assert.match(result.stdout, /line from web\.1/)
    }
  })
})

describe('-r/--remote: the app of a git remote (CLI against a Platform API)', function () {
  this.timeout(60_000)
  const platform = fakePlatform()
  const repo = tempDir('logsift-repo-')
  const git = (...args: string[]) => execFileSync('git', args, {cwd: repo, env: isolatedEnv(), stdio: 'ignore'})
  git('init', '-q')
  git('remote', 'add', 'heroku', 'https://git.heroku.com/prod-app.git')
  git('remote', 'add', 'staging', 'git@heroku.com:staging-app.git')
  git('remote', 'add', 'origin', 'https://github.com/example/site.git')

  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runCli(args, {cwd: repo, env: isolatedEnv({LOGSIFT_API_KEY: platform.key, LOGSIFT_API_URL: platform.url, ...env})})
  const lastPath = () => platform.calls().at(-1)

  before(() => {
    platform.createApp('prod-app')
    platform.createApp('staging-app')
    platform.addDrain('staging-app', 'syslog://logs.example.com:601')
  })

  it('drains, drains:add, drains:info, drains:remove and apps:info take -r', async () => {
    const drains = await run(['drains', '-r', 'staging'])
    assert.equal(drains.code, 0, drains.stderr)
    assert.equal(lastPath(), 'GET /apps/staging-app/log-drains')
    const added = await run(['drains:add', 'syslog://other.example.com:601', '--remote', 'staging'])
    assert.equal(added.code, 0, added.stderr)
    assert.equal(lastPath(), 'POST /apps/staging-app/log-drains')
    const info = await run(['drains:info', 'syslog://other.example.com:601', '-r', 'staging'])
    assert.equal(info.code, 0, info.stderr)
    assert.match(lastPath()!, /^GET \/apps\/staging-app\/log-drains\//)
    const removed = await run(['drains:remove', 'syslog://other.example.com:601', '-r', 'staging'])
    assert.equal(removed.code, 0, removed.stderr)
    assert.match(lastPath()!, /^DELETE \/apps\/staging-app\/log-drains\//)
    const app = await run(['apps:info', '-r', 'heroku'])
    assert.equal(app.code, 0, app.stderr)
    assert.match(app.stdout, /^=== prod-app\n/)
  })

  it('logs -r reads that app', async () => {
    const result = await run(['logs', '-r', 'staging'])
    assert.ok(platform.calls().includes('POST /apps/staging-app/log-sessions'), platform.calls().join('\n'))
    assert.equal(result.stderr, '')
  })

  it('without -a or -r, the remote named heroku, as the Heroku CLI; -a and the environment come first', async () => {
    await run(['drains'])
    assert.equal(lastPath(), 'GET /apps/prod-app/log-drains')
    await run(['drains'], {HEROKU_APP: 'staging-app'})
    assert.equal(lastPath(), 'GET /apps/staging-app/log-drains')
    await run(['drains', '-r', 'staging'], {HEROKU_APP: 'prod-app'})
    assert.equal(lastPath(), 'GET /apps/staging-app/log-drains')
  })

  it('a remote that does not exist, or is not Heroku: exit 2 naming it', async () => {
    const missing = await run(['drains', '-r', 'nosuch'])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /^ › {3}Error: -r nosuch: no git remote named nosuch in /)
    assert.match(missing.stderr, /git remote -v/)
    const github = await run(['logs', '-r', 'origin'])
    assert.equal(github.code, 2)
    assert.match(github.stderr, /-r origin: https:\/\/github\.com\/example\/site\.git is not a Heroku app's git URL/)
  })

  it('-r with -a, or with files to read: exit 2', async () => {
    const both = await run(['drains', '-a', 'x', '-r', 'heroku'])
    assert.equal(both.code, 2)
    assert.match(both.stderr, /--remote/)
    const withFile = await run(['logs', '-r', 'heroku', 'app.log'])
    assert.equal(withFile.code, 2)
    assert.match(withFile.stderr, /-r reads the app's log: give it no files or URLs as well/)
  })
})

describe('herokuAppFromGitUrl', () => {
  const rows: Array<[string, string | undefined]> = [
    ['https://git.heroku.com/my-app.git', 'my-app'],
    ['https://git.heroku.com/my-app', 'my-app'],
    ['git@heroku.com:my-app.git', 'my-app'],
    ['ssh://git@heroku.com/my-app.git', 'my-app'],
    ['https://github.com/me/my-app.git', undefined],
    ['https://git.heroku.com/', undefined],
    ['git@github.com:me/my-app.git', undefined],
  ]
  for (const [url, app] of rows) {
    it(`${url} → ${app ?? 'not Heroku'}`, () => assert.equal(herokuAppFromGitUrl(url), app))
  }
})
