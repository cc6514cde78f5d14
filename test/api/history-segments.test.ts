import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {parseTimestamp} from '../../src/parse/timestamp.js'
import {decodeTextBody} from '../../src/router/ingest/text-input.js'
import {FileLogEngine} from '../../src/router/log/file-engine.js'
import {type RunningRouter, startRouter} from '../../src/router/server.js'
import {ROOT, runCli, tempDir} from '../helpers/cli.js'
import {createApp} from '../router/helpers.js'
import {isolatedEnv} from './helpers.js'

/**
 * A window query reads only the segments whose messages' own times may fall in it (their `.otr` spans): the
 * others are made unreadable (directories where their files were) once the router has opened the log, and
 * the answer is still byte for byte what `logs FILE` prints from the same lines. Each 100 lines are received at once, at the time
 * of their first line, as the bench stores its corpus; a few lines arrive a day late.
 */
describe('logs -a APP --since/--until reads only the segments the window may touch', function () {
  this.timeout(60_000)

  const dir = tempDir('logsift-history-segments-')
  const file = join(dir, 'app.log')
  const dataDir = join(dir, 'data')
  let router: RunningRouter | undefined

  after(() => router?.close())

  it('gives what `logs FILE` gives, late senders included, with every other segment unreadable', async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'gen-heroku-logs.mjs'), '--lines', '3000', '--seed', '5', '--out', file])
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean)
    const window = (at: number): string => lines[at].slice(0, lines[at].indexOf(' '))
    const since = window(1500)
    const until = new Date(Date.parse(since) + 100).toISOString()
    // Sent in the window, received at the end: late, after every other line.
    const late = lines.slice(1500, 1510).map((line) => line.replace(/^\S+/, new Date(Date.parse(since) + 50).toISOString()))
    const stored = [...lines, ...late]
    const storedFile = join(dir, 'stored.log')
    writeFileSync(storedFile, stored.join('\n') + '\n')
    router = await startRouter({dataDir, port: 0, syslogPort: 0})
    const app = await createApp(router, 'shop')
    await router.close()

    const engine = await FileLogEngine.open({dir: join(dataDir, 'log'), fsync: 'never', retention: {maxAgeMs: 1e13}, segmentBytes: 16 * 1024})
    for (let at = 0; at < stored.length; at += 100) {
      const body = stored.slice(at, at + 100).join('\n') + '\n'
      await engine.app(app.id).append(decodeTextBody(Buffer.from(body), new URLSearchParams(), 64 * 1024, parseTimestamp(window(Math.min(at, lines.length - 1)))))
    }

    await engine.close()
    router = await startRouter({dataDir, logRetention: {maxAgeMs: 1e13}, port: 0, syslogPort: 0})
    const appDir = join(dataDir, 'log', app.id)
    // By what each segment holds (offset n is stored line n). The oldest stays: the log is found by receive time
    // from `since` less the clock skew allowed, before all of it.
    const bases = readdirSync(appDir).filter((name) => name.endsWith('.log')).sort()
    let unreadable = 0
    for (const [i, name] of bases.entries()) {
      const from = Number(name.slice(0, -4))
      const next = i + 1 < bases.length ? Number(bases[i + 1].slice(0, -4)) : stored.length + 1
      const times = stored.slice(from - 1, next - 1).map((line) => Date.parse(line.slice(0, line.indexOf(' '))))
      if (i === 0 || times.some((time) => time >= Date.parse(since) && time <= Date.parse(until))) continue
      rmSync(join(appDir, name))
      mkdirSync(join(appDir, name))
      unreadable++
    }

    assert.ok(unreadable > bases.length - 5, `${unreadable} of ${bases.length}`)
    const env = isolatedEnv({LOGSIFT_API_URL: router.url, LOGSIFT_DATA_DIR: dataDir})
    const query = ['--since', since, '--until', until, '-o', 'raw']
    const fromFile = await runCli(['logs', storedFile, ...query], {env})
    const fromApp = await runCli(['logs', '-a', 'shop', ...query], {env})
    assert.equal(fromFile.code, 0, fromFile.stderr)
    assert.equal(fromApp.code, 0, fromApp.stderr)
    for (const line of late) assert.ok(fromFile.stdout.includes(line + '\n'), line)
    assert.equal(fromApp.stdout, fromFile.stdout)
  })
})
