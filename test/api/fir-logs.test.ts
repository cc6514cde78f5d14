import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'

import {BIN, cliEnv, ROOT, waitFor} from '../helpers/cli.js'
import {fakePlatform, isolatedEnv} from './helpers.js'
import {type FakePlatform, herokuLine} from './fake-platform.js'

/** A running `logsift logs -a APP` against the fake Heroku API, its output collected as it arrives. */
class Run {
  stdout = ''
  stderr = ''
  private readonly child: ChildProcessWithoutNullStreams

  constructor(platform: FakePlatform, args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [BIN, 'logs', '-o', 'raw', ...args], {
      cwd: ROOT, env: cliEnv(isolatedEnv({LOGSIFT_API_KEY: platform.key, LOGSIFT_API_URL: platform.url, ...env})),
    })
    this.child.stdout.on('data', (chunk) => (this.stdout += chunk))
    this.child.stderr.on('data', (chunk) => (this.stderr += chunk))
  }

  lines(): string[] {
    return this.stdout.split('\n').filter(Boolean)
  }

  get running(): boolean {
    return this.child.exitCode === null
  }

  async stop(): Promise<void> {
    const closed = new Promise((resolve) => this.child.on('close', resolve))
    this.child.kill('SIGTERM')
    await closed
  }
}

const firLine = (n: number, dyno = 'web-58f4b7c6d-x2k9p') => herokuLine(n, dyno)

describe('logsift logs -a on a Fir app (Heroku\'s Fir flow, against a fake of its API)', function () {
  this.timeout(60_000)
  const platform = fakePlatform()
  let run: Run | undefined

  before(() => {
    platform.createApp('firapp', 'fir')
    platform.log('firapp', firLine(1))
  })

  afterEach(async () => {
    await run?.stop()
    run = undefined
  })

  const sessionBodies = () => platform.requests.filter((seen) => seen.path === '/apps/firapp/log-sessions').map((seen) => seen.body)

  it('checks the generation, asks as heroku logs does (type, no lines, no tail), ignores -n and follows; -p web takes Fir dyno names', async () => {
    run = new Run(platform, ['-a', 'firapp', '-n', '5', '-p', 'web'])
    await waitFor(`a session (stderr ${JSON.stringify(run?.stderr)})`, () => platform.tailing() === 1, 20_000)
    assert.deepEqual(platform.calls().slice(0, 2), ['GET /apps/firapp', 'POST /apps/firapp/log-sessions'])
    assert.deepEqual(sessionBodies(), [{type: 'web'}])
    platform.log('firapp', firLine(2, 'worker-58f4b7c6d-abcde'), firLine(3), firLine(4, 'web.1'), firLine(5, 'web-api-58f4b7c6d-qwert'))
    await waitFor(`the web lines (have ${JSON.stringify(run.stdout)})`, () => run!.lines().length >= 2)
    assert.deepEqual(run.lines(), [firLine(3), firLine(4, 'web.1')])
    assert.match(run.stderr, /firapp is a Fir app: following its log/)
    assert.ok(run.running, 'it follows without --tail')
  })

  it('makes a new session every HEROKU_LOG_STREAM_TIMEOUT minutes (15 by default) without losing or repeating a line', async () => {
    const before = sessionBodies().length
    // A session every 0.6 s, while the app logs a line every 20 ms: several handovers under a steady stream.
    run = new Run(platform, ['-a', 'firapp'], {HEROKU_LOG_STREAM_TIMEOUT: '0.01'})
    await waitFor('a session', () => sessionBodies().length > before, 20_000)
    const logged: string[] = []
    for (let n = 100; sessionBodies().length < before + 5; n++) {
      const line = firLine(n, n % 2 ? 'web-58f4b7c6d-x2k9p' : 'worker-58f4b7c6d-abcde')
      platform.log('firapp', line)
      logged.push(line)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }

    const last = logged.at(-1)!
    await waitFor(`the last line (have ${run.lines().length} lines)`, () => run!.stdout.includes(last + '\n'), 10_000)
    const printed = run.lines()
    // What was logged before the first session was connected is not sent: Fir keeps no history.
    assert.deepEqual(printed, logged.slice(logged.indexOf(printed[0])))
    assert.ok(printed.length > logged.length / 2, `${printed.length} of ${logged.length}`)
  })
})
