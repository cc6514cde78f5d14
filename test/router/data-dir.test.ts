import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {chmodSync, chownSync, existsSync, mkdirSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as deadline} from 'node:timers/promises'

import {DataDirError, DataDirInUseError, prepareDataDir} from '../../src/router/data-dir.js'
import {startRouter} from '../../src/router/server.js'
import {BIN, cliEnv, ROOT, tempDir, waitFor} from '../helpers/cli.js'

const NOBODY = 65_534

describe('the data directory\'s permissions', () => {
  it('one open to other users is made 0700, and the router says so once', async () => {
    const dir = join(tempDir(), 'data')
    mkdirSync(dir, {mode: 0o755})
    chmodSync(dir, 0o755)
    const said: string[] = []
    const log = (line: string) => said.push(line)
    await (await startRouter({dataDir: dir, log, port: 0, syslogPort: 0})).close()
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    assert.deepEqual(said, [`made the data directory ${dir} private (mode 0700, was 0755): it holds the API key and the apps' input tokens`])

    await (await startRouter({dataDir: dir, log, port: 0, syslogPort: 0})).close()
    assert.equal(said.length, 1)
  })

  it('a path the kernel will not make (under /proc) is refused at once, not waited on for ever', async () => {
    const outcome = await Promise.race([
      prepareDataDir('/proc/logsift-nowhere/data', () => {}).then(() => 'made', (error: unknown) => error),
      deadline(5000, 'still waiting after 5 s', {ref: false}),
    ])
    assert.ok(outcome instanceof DataDirError, String(outcome))
    assert.equal(outcome.message, 'cannot use /proc/logsift-nowhere/data as the data directory: the file system will not create it there (ENOENT)')
  })

  it('makes the missing directories of a new path, 0700, and takes an existing one as it is', async () => {
    const dir = join(tempDir(), 'a', 'b', 'data')
    await prepareDataDir(dir, () => {})
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    assert.equal(statSync(join(dir, '..')).mode & 0o777, 0o700)
    await prepareDataDir(dir, () => {})
    assert.ok(statSync(dir).isDirectory())
  })

  it('is held by one router: a second is refused before it touches it, and may start once the first has closed', async () => {
    const dir = join(tempDir(), 'data')
    const first = await startRouter({dataDir: dir, port: 0, syslogPort: 0})
    await assert.rejects(startRouter({dataDir: dir, port: 0, syslogPort: 0}), (error: Error) => error instanceof DataDirInUseError && error.message.includes(`another router has it open (PID ${process.pid})`))
    await first.close()
    await (await startRouter({dataDir: dir, port: 0, syslogPort: 0})).close()
  })

  it('a lock left by a router that is gone (kill -9) is taken over; one of a router still running refuses serve in one line, exit 2', async function () {
    this.timeout(20_000)
    const dir = join(tempDir(), 'data')
    mkdirSync(dir, {mode: 0o700})
    const gone = spawn(process.execPath, ['-e', '0'])
    await new Promise((resolve) => gone.on('close', resolve))
    writeFileSync(join(dir, 'router.lock'), `${gone.pid} 1\n`)
    await (await startRouter({dataDir: dir, port: 0, syslogPort: 0})).close()

    const running = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--syslog-port', '0', '--data-dir', dir], {cwd: ROOT, env: cliEnv()})
    try {
      let started = ''
      running.stdout.on('data', (chunk) => (started += chunk))
      await waitFor('the first router to start', () => started.includes('\n'), 10_000)
      const second = await run([process.execPath, BIN], ['serve', '--port', '0', '--syslog-port', '0', '--data-dir', dir], undefined)
      assert.equal(second.code, 2, second.stderr)
      assert.match(second.stderr, new RegExp(`^ › {3}Error: --data-dir ${dir}: another router has it open \\(PID ${running.pid}\\); stop that one, or remove ${join(dir, 'router.lock')} if no router runs\n`))
    } finally {
      running.kill('SIGTERM')
      await new Promise((resolve) => running.on('close', resolve))
    }

    assert.equal(existsSync(join(dir, 'router.lock')), false, 'the lock is removed when the router stops')
  })

  it('one open to others that the router cannot make private (not its owner): serve refuses in one line, exit 2', async function () {
    this.timeout(20_000)
    // A directory owned by another user: as root, one of root's run as nobody; otherwise /tmp, root's, 1777.
    const root = process.getuid?.() === 0
    let dir = '/tmp'
    let command = [process.execPath, BIN]
    let home: string | undefined
    if (root) {
      const parent = tempDir()
      chmodSync(parent, 0o755)
      dir = join(parent, 'data')
      mkdirSync(dir)
      chmodSync(dir, 0o755)
      home = join(parent, 'home')
      mkdirSync(home)
      chownSync(home, NOBODY, NOBODY)
      command = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...command]
    }

    const mode = (statSync(dir).mode & 0o777).toString(8).padStart(4, '0')
    const result = await run(command, ['serve', '--port', '0', '--syslog-port', '0', '--data-dir', dir], home)
    assert.equal(result.code, 2, `${result.stderr}${root ? `(the router runs as nobody here: the checkout must be readable by it)` : ''}`)
    assert.equal(result.stdout, '')
    assert.equal(
      result.stderr,
      ` ›   Error: --data-dir ${dir}: it is open to other users (mode ${mode}) and cannot be made private: the router is not its owner (EPERM); as its owner run chmod 700 ${dir}, or choose another --data-dir\n`,
    )
    assert.equal(statSync(dir).mode & 0o777, Number.parseInt(mode, 8))
  })
})

/** Runs `command` (node and bin/run.js, perhaps as another user) with `args`, and HOME `home` when given. */
function run(command: string[], args: string[], home: string | undefined): Promise<{code: number | null; stderr: string; stdout: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], [...command.slice(1), ...args], {cwd: ROOT, env: cliEnv(home === undefined ? {} : {HOME: home})})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, stderr, stdout}))
  })
}
