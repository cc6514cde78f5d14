import assert from 'node:assert/strict'
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {type AddressInfo, createServer} from 'node:net'
import {join} from 'node:path'
import {request} from 'undici'

import {BIN, cliEnv, ROOT, runCli} from '../helpers/cli.js'
import {dataDir, waitFor} from './helpers.js'

/** `logsift serve` as a child process, its output collected. */
class Serve {
  stdout = ''
  stderr = ''
  exit: Promise<number | null>
  readonly child: ChildProcessWithoutNullStreams

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--syslog-port', '0', ...args], {cwd: ROOT, env: cliEnv(env)})
    this.child.stdout.on('data', (chunk) => (this.stdout += chunk))
    this.child.stderr.on('data', (chunk) => (this.stderr += chunk))
    this.exit = new Promise((resolve) => this.child.on('close', (code) => resolve(code)))
  }

  async started(): Promise<string> {
    await waitFor(`the start line (stderr: ${this.stderr})`, () => this.stdout.includes('\n'), 10_000)
    return this.stdout.trim()
  }
}

describe('logsift serve', () => {
  it('prints one line naming every address, the data dir and the key file; SIGTERM and SIGINT stop it with 0', async function () {
    // Two routers start and stop, one after the other.
    this.timeout(10_000)
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const dir = dataDir()
      const serve = new Serve(['--data-dir', dir])
      const line = await serve.started()
      const match = /^logsift router on (http:\/\/127\.0\.0\.1:\d+) \(API, log input, sessions\), syslog tcp:\/\/127\.0\.0\.1:\d+ udp:\/\/127\.0\.0\.1:\d+ \(UDP receive buffer \d+ [KM]iB[^()]*\); data in (\S+); API key in (\S+)$/.exec(line)
      assert.ok(match, line)
      assert.equal(match[2], dir)
      assert.equal(match[3], join(dir, 'api-key'))

      const reply = await request(`${match[1]}/apps`, {headers: {authorization: 'Bearer wrong'}})
      assert.equal(reply.statusCode, 401)
      await reply.body.dump()

      serve.child.kill(signal)
      assert.equal(await serve.exit, 0, serve.stderr)
      assert.equal(serve.stdout, line + '\n')
    }
  })

  it('takes the key from LOGSIFT_API_KEY', async () => {
    const serve = new Serve(['--data-dir', dataDir()], {LOGSIFT_API_KEY: 'secret-key'})
    const line = await serve.started()
    assert.match(line, /; API key from LOGSIFT_API_KEY$/)
    const url = /on (\S+) /.exec(line)![1]
    const reply = await request(`${url}/apps`, {headers: {authorization: 'Bearer secret-key'}})
    assert.equal(reply.statusCode, 200)
    await reply.body.dump()
    serve.child.kill('SIGTERM')
    assert.equal(await serve.exit, 0)
  })

  it('--retain-size takes the units --max-line-size and --where take (2GB as 2GiB); a size that is not one is refused, named', async () => {
    const serve = new Serve(['--data-dir', dataDir(), '--retain-size', '2GB'])
    await serve.started()
    serve.child.kill('SIGTERM')
    assert.equal(await serve.exit, 0, serve.stderr)
    const refused = await runCli(['serve', '--data-dir', dataDir(), '--port', '0', '--retain-size', '2 parsecs'])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /--retain-size 2 parsecs: expected bytes, or a number with a unit/)
  })

  it('a port in use: one clear line naming it, exit 2', async () => {
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const {port} = taken.address() as AddressInfo
    try {
      const result = await runCli(['serve', '--port', String(port), '--syslog-port', '0', '--data-dir', dataDir()])
      assert.equal(result.code, 2)
      assert.match(result.stderr, new RegExp(`HTTP port ${port} on 127\\.0\\.0\\.1 is already in use`))
      assert.match(result.stderr, /--port 0/)
      assert.equal(result.stdout, '')
    } finally {
      taken.close()
    }
  })

  it('a corrupt state file: an error naming it, exit 2', async () => {
    const dir = dataDir()
    writeFileSync(join(dir, 'state.json'), 'nonsense')
    const result = await runCli(['serve', '--port', '0', '--syslog-port', '0', '--data-dir', dir])
    assert.equal(result.code, 2)
    assert.ok(result.stderr.includes(join(dir, 'state.json')), result.stderr)
  })

  it('--udp-receive-buffer, --metrics-port and --metrics-host: the start line says what the kernel granted and where metrics are', async function () {
    // Two routers, one after the other.
    this.timeout(30_000)
    const serve = new Serve(['--data-dir', dataDir(), '--udp-receive-buffer', String(1024 * 1024), '--metrics-port', '0', '--metrics-host', '127.0.0.3'])
    const line = await serve.started()
    assert.match(line, /udp:\/\/127\.0\.0\.1:\d+ \(UDP receive buffer 1 MiB\); metrics on (http:\/\/127\.0\.0\.3:\d+\/metrics); data in /)
    const scrape = await request(/metrics on (\S+);/.exec(line)![1])
    assert.equal(scrape.statusCode, 200)
    assert.match(await scrape.body.text(), /^logsift_udp_receive_buffer_bytes 1048576$/m)
    serve.child.kill('SIGTERM')
    assert.equal(await serve.exit, 0)

    // More than any kernel grants without privileges: the line says so, and how to raise the limit.
    const capped = new Serve(['--data-dir', dataDir(), '--udp-receive-buffer', String(1024 * 1024 * 1024)])
    assert.match(await capped.started(), /\(UDP receive buffer \d+ [KM]iB, less than the 1024 MiB asked: net\.core\.rmem_max caps it, raise it with sysctl -w net\.core\.rmem_max=1073741824\); data in/)
    capped.child.kill('SIGTERM')
    assert.equal(await capped.exit, 0)
  })
})
