import assert from 'node:assert/strict'
import {createServer, request as httpRequest, type Server} from 'node:http'
import {readFileSync} from 'node:fs'
import {type AddressInfo} from 'node:net'
import {join} from 'node:path'

import {type RunningRouter, startRouter} from '../../src/router/server.js'
import {cliEnv, startCli, tempDir, waitFor} from '../helpers/cli.js'
import {createApp, postText} from '../router/helpers.js'
import {isolatedEnv} from './helpers.js'

const tick = '2024-05-01T12:00:00.000000+00:00 app[web.1]: tick'
const last = '2024-05-01T12:00:01.000000+00:00 app[web.1]: last'

/**
 * A proxy in front of the router that runs `between` once, just before it passes on the first request for
 * a tailing session: what a sender posts between the reader's recent read and its tail, made certain.
 */
function proxyTo(router: RunningRouter, between: () => Promise<void>): Promise<Server> {
  const target = new URL(router.url)
  let done = false
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', async () => {
      const body = Buffer.concat(chunks)
      if (!done && req.url?.endsWith('/log-sessions') && body.toString().includes('"tail":true')) {
        done = true
        await between()
      }

      const forwarded = httpRequest({headers: req.headers, host: target.hostname, method: req.method, path: req.url, port: target.port}, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      })
      forwarded.end(body)
      res.on('close', () => forwarded.destroy())
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

/** `logs ARGS` as a process; resolves once it has printed `until`, with what it printed. */
async function followUntil(env: NodeJS.ProcessEnv, args: string[], until: string, act: () => Promise<void>): Promise<{stderr: string; stdout: string}> {
  const cli = startCli(['logs', ...args], env)
  try {
    await act()
    await waitFor(`${JSON.stringify(until)} (have ${JSON.stringify(cli.stdout)}, stderr ${JSON.stringify(cli.stderr)})`, () => cli.stdout.includes(until), 20_000)
    return {stderr: cli.stderr, stdout: cli.stdout}
  } finally {
    await cli.stop()
  }
}

describe('logs -a APP -t against the router: the tail resumes from the last event id read', function () {
  // The CLI runs as a process.
  this.timeout(30_000)

  it('with --since, goes on after the history even when nothing in it matched: no older line from the recent ones', async () => {
    const dataDir = join(tempDir('logsift-tail-since-'), 'data')
    const router = await startRouter({dataDir, port: 0, syslogPort: 0})
    after(() => router.close())
    await createApp(router, 'demo')
    const before = '2024-05-01T11:00:00.000000+00:00 heroku[router]: at=error code=H12 status=503 before the window'
    const inside = '2024-05-01T12:10:00.000000+00:00 heroku[router]: at=info status=200 in the window'
    const fresh = '2024-05-01T12:20:00.000000+00:00 heroku[router]: at=error code=H12 status=503 new'
    await postText(router, 'demo', `${before}\n${inside}\n`)
    const env = cliEnv(isolatedEnv({LOGSIFT_API_URL: router.url, LOGSIFT_DATA_DIR: dataDir}))
    const tailing = async (): Promise<void> => {
      const sessions = join(dataDir, 'sessions.json')
      await waitFor('the tail session', () => {
        try {
          return readFileSync(sessions, 'utf8').includes('"tail":true')
        } catch {
          return false
        }
      }, 20_000)
      await postText(router, 'demo', fresh + '\n')
    }

    const {stderr, stdout} = await followUntil(env, ['-a', 'demo', '-t', '--since', '2024-05-01T12:00:00Z', '-w', 'status>=500', '-o', 'raw'], fresh, tailing)
    assert.equal(stdout, fresh + '\n', stderr)
  })

  it('prints a line posted between the recent read and the tail once, even when it repeats the lines before it', async () => {
    const dir = tempDir('logsift-tail-resume-')
    const dataDir = join(dir, 'data')
    const router = await startRouter({dataDir, port: 0, syslogPort: 0})
    const proxy = await proxyTo(router, () => postText(router, 'demo', tick + '\n'))
    after(async () => {
      proxy.close()
      await router.close()
    })
    await createApp(router, 'demo')
    await postText(router, 'demo', `${tick}\n${tick}\n`)

    const env = cliEnv(isolatedEnv({LOGSIFT_API_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, LOGSIFT_DATA_DIR: dataDir}))
    const cli = startCli(['logs', '-a', 'demo', '-t', '-o', 'raw'], env)
    try {
      await waitFor(`three ticks (have ${JSON.stringify(cli.stdout)}, stderr ${JSON.stringify(cli.stderr)})`, () => cli.stdout.split('\n').length > 3, 20_000)
      await postText(router, 'demo', last + '\n')
      await waitFor(`the last line (have ${JSON.stringify(cli.stdout)})`, () => cli.stdout.endsWith(last + '\n'), 20_000)
      assert.equal(cli.stdout, `${tick}\n`.repeat(3) + last + '\n', cli.stderr)
    } finally {
      await cli.stop()
    }
  })
})
