import assert from 'node:assert/strict'
import {appendFileSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {type LogSession, type SessionRequest, SessionRegistry} from '../../src/router/sessions/sessions.js'
import {tempDir, waitFor} from '../helpers/cli.js'

const request: SessionRequest = {dynoTest: undefined, lines: 100, sourceTest: undefined, tail: true}
const revive = (): SessionRequest => request
const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((line) => line !== '')
/** The file's text, or '' while it does not exist. */
function text(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

/** The ids a new registry restores from `file`. */
async function restored(file: string): Promise<string[]> {
  const registry = new SessionRegistry(60_000, file)
  assert.equal(await registry.restore(revive), undefined)
  await registry.close()
  return lines(file).map((line) => JSON.parse(line).id).sort()
}

describe('SessionRegistry: the sessions file', () => {
  it('adds one line a session created, the lines before untouched, and a new registry restores them all', async () => {
    const file = join(tempDir(), 'sessions.json')
    const registry = new SessionRegistry(60_000, file)
    const ids = [registry.create('app-1', request, 'now', {tail: true}).id]
    await registry.close()
    const first = readFileSync(file, 'utf8')
    for (let i = 0; i < 4; i++) ids.push(registry.create('app-1', request, 'now', {tail: true}).id)
    await registry.close()
    assert.equal(lines(file).length, 5)
    assert.ok(readFileSync(file, 'utf8').startsWith(first))
    assert.equal(statSync(file).mode & 0o777, 0o600)
    assert.deepEqual(await restored(file), ids.sort())
  })

  it('close() waits for the last session created to be written', async () => {
    const file = join(tempDir(), 'sessions.json')
    const registry = new SessionRegistry(60_000, file)
    const ids = Array.from({length: 50}, () => registry.create('app-1', request, 'now').id)
    await registry.close()
    assert.deepEqual(lines(file).map((line) => JSON.parse(line).id), ids)
  })

  it('skips a line cut short by a crash, and reads the file as logsift wrote it before it was a journal', async () => {
    const dir = tempDir()
    const cut = join(dir, 'cut.json')
    const registry = new SessionRegistry(60_000, cut)
    const kept = registry.create('app-1', request, 'now').id
    await registry.close()
    appendFileSync(cut, '{"appId":"app-1","body":{},"crea')
    assert.deepEqual(await restored(cut), [kept])

    const old = join(dir, 'old.json')
    writeFileSync(old, JSON.stringify({sessions: [{appId: 'a', body: {}, createdAt: 'then', id: 'x1'}, {appId: 'a', body: {}, createdAt: 'then', id: 'x2'}], version: 1}) + '\n')
    assert.deepEqual(await restored(old), ['x1', 'x2'])
  })

  /** A registry whose sessions expire after 200 ms unread (its sweep runs every second): `unread` of them, and one being read. */
  function oneRead(unread: number): {file: string; live: LogSession; registry: SessionRegistry} {
    const file = join(tempDir(), 'sessions.json')
    const registry = new SessionRegistry(200, file)
    for (let i = 0; i < unread; i++) registry.create('app-1', request, 'now')
    return {file, live: registry.open(registry.create('app-1', request, 'now').id)!, registry}
  }

  it('a sweep forgets expired sessions in the file too: a restart does not bring them back', async function () {
    this.timeout(20_000)
    const {file, live, registry} = oneRead(3)
    await waitFor('a sweep', () => text(file).includes('"gone"'), 10_000)
    await registry.close()
    assert.deepEqual(await restored(file), [live.id])
  })

  it('is written again with the live sessions alone once it holds more than twice their number and 1,000 lines', async function () {
    this.timeout(20_000)
    const {file, live, registry} = oneRead(1100)
    // One line, the live session's: created last, it is alone in the file only once the file is written again
    // (while the appends go on, the file also holds one line for a moment: the first session's).
    await waitFor('the file written again', () => {
      const written = text(file)
      return written.split('\n').length === 2 && written.includes(live.id)
    }, 10_000)
    await registry.close()
    assert.deepEqual(lines(file).map((line) => JSON.parse(line).id), [live.id])
  })
})
