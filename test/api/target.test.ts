import assert from 'node:assert/strict'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {resolveApiTarget} from '../../src/api/target.js'
import {tempDir} from '../helpers/cli.js'
import {fakePlatform, isolatedEnv, runAgainst} from './helpers.js'

const NETRC = `machine api.heroku.com
  login me@example.com
  password heroku-netrc-key
machine 127.0.0.1
  login me@example.com
  password local-netrc-key
`

describe('finding the API and its key', function () {
  // Each test runs the CLI as a process, some several times: more than mocha's default 2 s on a busy machine.
  this.timeout(30_000)

  const home = tempDir('logsift-home-')
  const dataDir = join(home, 'data')
  mkdirSync(dataDir)
  writeFileSync(join(home, '.netrc'), NETRC)
  writeFileSync(join(dataDir, 'api-key'), 'router-file-key\n')
  const bare = tempDir('logsift-bare-')

  const resolve = (env: NodeJS.ProcessEnv, options: {flag?: string; home?: string} = {}) =>
    resolveApiTarget({dataDir: join(options.home ?? home, 'data'), env, flag: options.flag, home: options.home ?? home})

  it('looks in LOGSIFT_API_KEY, HEROKU_API_KEY, ~/.netrc, then the router key file', async () => {
    const env = {HEROKU_API_KEY: 'heroku-env-key', LOGSIFT_API_KEY: 'logsift-env-key'}
    assert.deepEqual((await resolve(env)).key, {from: 'LOGSIFT_API_KEY', key: 'logsift-env-key'})
    assert.deepEqual((await resolve({...env, LOGSIFT_API_KEY: ''})).key, {from: 'HEROKU_API_KEY', key: 'heroku-env-key'})
    assert.deepEqual((await resolve({})).key, {from: `${join(home, '.netrc')} (machine 127.0.0.1)`, key: 'local-netrc-key'})
    writeFileSync(join(bare, '.netrc'), 'machine api.heroku.com password heroku-netrc-key\n')
    mkdirSync(join(bare, 'data'), {recursive: true})
    writeFileSync(join(bare, 'data', 'api-key'), 'router-file-key\n')
    assert.deepEqual((await resolve({}, {home: bare})).key, {from: join(bare, 'data', 'api-key'), key: 'router-file-key'})
  })

  it('sends a .netrc key only to the host it is filed under, and the key file only to this machine', async () => {
    const heroku = await resolve({}, {flag: 'https://api.heroku.com'})
    assert.deepEqual(heroku.key, {from: `${join(home, '.netrc')} (machine api.heroku.com)`, key: 'heroku-netrc-key'})
    assert.equal(heroku.local, false)
    const elsewhere = await resolve({}, {flag: 'https://api.example.com'})
    assert.equal(elsewhere.key, undefined)
    assert.deepEqual(elsewhere.searched, ['LOGSIFT_API_KEY', 'HEROKU_API_KEY', `${join(home, '.netrc')} (machine api.example.com)`])
  })

  it('takes the URL from --api-url, then LOGSIFT_API_URL, else the local router', async () => {
    assert.equal((await resolve({})).url, 'http://127.0.0.1:5580')
    assert.equal((await resolve({})).local, true)
    assert.equal((await resolve({LOGSIFT_API_URL: 'http://localhost:6000/'})).url, 'http://localhost:6000')
    assert.equal((await resolve({LOGSIFT_API_URL: 'http://localhost:6000'}, {flag: 'https://api.heroku.com/'})).url, 'https://api.heroku.com')
    await assert.rejects(resolve({}, {flag: 'api.heroku.com'}), /not a URL: api\.heroku\.com/)
  })

  describe('through the CLI', () => {
    const platform = fakePlatform()
    before(() => platform.createApp('demo'))

    const sentKey = () => platform.requests.at(-1)!.headers.authorization

    it('sends the key from ~/.netrc for the API host', async () => {
      const env = isolatedEnv({LOGSIFT_API_KEY: '', LOGSIFT_API_URL: platform.url})
      writeFileSync(join(env.HOME, '.netrc'), `machine 127.0.0.1\n  login me@example.com\n  password ${platform.key}\n`)
      const result = await runAgainst(platform, ['drains', '-a', 'demo'], env)
      assert.equal(result.code, 0, result.stderr)
      assert.equal(sentKey(), `Bearer ${platform.key}`)
    })

    it("sends the router's key file when nothing else names a key", async () => {
      const env = isolatedEnv({LOGSIFT_API_KEY: '', LOGSIFT_API_URL: platform.url})
      writeFileSync(join(env.LOGSIFT_DATA_DIR, 'api-key'), `${platform.key}\n`)
      const result = await runAgainst(platform, ['drains', '-a', 'demo'], env)
      assert.equal(result.code, 0, result.stderr)
      assert.equal(sentKey(), `Bearer ${platform.key}`)
    })

    it('prefers HEROKU_API_KEY to both, and says where it looked when there is no key', async () => {
      const env = isolatedEnv({HEROKU_API_KEY: 'from-heroku-env', LOGSIFT_API_KEY: '', LOGSIFT_API_URL: platform.url})
      writeFileSync(join(env.LOGSIFT_DATA_DIR, 'api-key'), `${platform.key}\n`)
      const refused = await runAgainst(platform, ['drains', '-a', 'demo'], env)
      assert.equal(sentKey(), 'Bearer from-heroku-env')
      assert.equal(refused.code, 2)
      assert.match(refused.stderr, /the key sent came from HEROKU_API_KEY/)

      const none = await runAgainst(platform, ['drains', '-a', 'demo'], isolatedEnv({LOGSIFT_API_KEY: '', LOGSIFT_API_URL: platform.url}))
      assert.equal(platform.requests.at(-1)!.headers.authorization, undefined)
      assert.equal(none.code, 2)
      // oclif wraps the message at 80 columns: join its lines back.
      assert.match(none.stderr.replaceAll(/ \n ›\s+/g, ' '), /no API key was found for http:\/\/127\.0\.0\.1:\d+; looked in LOGSIFT_API_KEY, HEROKU_API_KEY, .*\.netrc \(machine 127\.0\.0\.1\), .*api-key/)
    })
  })
})
