import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'
import {fileURLToPath} from 'node:url'

import type {NewMessage} from '../../../src/router/log/engine.js'
import {FileLogEngine} from '../../../src/router/log/file-engine.js'
import {routerMessage} from './conformance.js'

const CHILD = fileURLToPath(new URL('append-child.ts', import.meta.url))
const REPO = fileURLToPath(new URL('../../..', import.meta.url))
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0)

interface Ack {
  first: number
  next: number
  seq: number
  writer: number
}

interface ChildEvent {
  ack?: Ack
  error?: {message: string; name: string; reason?: string}
  read?: {count: number; last?: number}
}

const scratch: string[] = []
after(() => {
  for (const dir of scratch) rmSync(dir, {force: true, recursive: true})
})

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-log-faults-'))
  scratch.push(dir)
  return dir
}

/** What append-child.ts writes at each offset it acknowledged. */
const childText = (writer: number, seq: number, i: number): string => `writer=${writer} seq=${seq} i=${i} ` + 'x'.repeat(200)

/**
 * Runs append-child.ts (through `prefix`, e.g. prlimit) and hands each event to `onEvent`, which may kill it.
 * Resolves with every event once its stdout ends and it has exited.
 */
function runChild(prefix: string[], args: string[], onEvent: (event: ChildEvent, kill: () => void) => void = () => {}): Promise<{events: ChildEvent[]; signal: NodeJS.Signals | null; code: number | null; stderr: string}> {
  const command = [...prefix, process.execPath, '--import', 'tsx', CHILD, ...args]
  const child = spawn(command[0], command.slice(1), {cwd: REPO, stdio: ['ignore', 'pipe', 'pipe']})
  const events: ChildEvent[] = []
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const kill = (): void => {
    child.kill('SIGKILL')
  }

  const lines = createInterface({input: child.stdout})
  lines.on('line', (line) => {
    const event = JSON.parse(line) as ChildEvent
    events.push(event)
    onEvent(event, kill)
  })
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => {
    child.on('exit', (code, signal) => resolve({code, signal}))
  })
  const ended = new Promise((resolve) => {
    lines.on('close', resolve)
  })
  return Promise.all([exited, ended]).then(([{code, signal}]) => ({code, events, signal, stderr}))
}

const batch = (from: number, count: number): NewMessage[] => Array.from({length: count}, (_, i) => routerMessage(from + i, T0))

function onlySegment(dir: string): string {
  const segments = readdirSync(join(dir, 'web')).filter((name) => name.endsWith('.log')).sort()
  return join(dir, 'web', segments.at(-1) as string)
}

describe('FileLogEngine under faults', function () {
  this.timeout(60_000)

  it('keeps every append that resolved when its process is killed (kill -9, fsync always)', async () => {
    const dir = freshDir()
    const acks: Ack[] = []
    const run = await runChild([], [dir, 'always', 'until-killed'], (event, kill) => {
      if (event.ack === undefined) return
      acks.push(event.ack)
      if (acks.length === 300) kill()
    })
    assert.equal(run.signal, 'SIGKILL', run.stderr)
    assert.ok(acks.length >= 300)

    const engine = await FileLogEngine.open({dir, now: () => T0 + 2 * 60 * 60_000})
    try {
      const log = engine.app('web')
      for (const ack of acks) {
        const {messages} = await log.read({offset: ack.first}, ack.next - ack.first)
        assert.deepEqual(messages.map((message) => message.text), Array.from({length: 20}, (_, i) => childText(ack.writer, ack.seq, i)), `offsets ${ack.first}-${ack.next - 1}`)
      }

      const lastAcked = Math.max(...acks.map((ack) => ack.next))
      const {nextOffset} = await log.stats()
      assert.ok(nextOffset >= lastAcked)
      assert.deepEqual(await log.append(batch(0, 1)), {first: nextOffset, next: nextOffset + 1})
    } finally {
      await engine.close()
    }
  })

  for (const damage of [
    {cutInto: 'the last batch', keep: (size: number, last: number) => size - last + 100},
    {cutInto: 'the last batch header', keep: (size: number, last: number) => size - last + 10},
  ]) {
    it(`recovers a segment cut short inside ${damage.cutInto}: cut, earlier batches intact, offsets go on`, async () => {
      const dir = freshDir()
      const engine = await FileLogEngine.open({dir, fsync: 'never', now: () => T0 + 2 * 60 * 60_000})
      for (let i = 0; i < 9; i++) await engine.app('web').append(batch(i * 10, 10))
      const sizeBefore = statSync(onlySegment(dir)).size
      await engine.app('web').append(batch(90, 10))
      await engine.close()
      const segment = onlySegment(dir)
      const lastBatch = statSync(segment).size - sizeBefore
      truncateSync(segment, damage.keep(statSync(segment).size, lastBatch))

      const reopened = await FileLogEngine.open({dir, now: () => T0 + 2 * 60 * 60_000})
      try {
        assert.deepEqual(reopened.recovery.repairs.map(({cut, skipped}) => ({cut, skipped})), [{cut: damage.keep(sizeBefore + lastBatch, lastBatch) - sizeBefore, skipped: []}])
        assert.equal(statSync(segment).size, sizeBefore)
        const log = reopened.app('web')
        const {messages} = await log.read({offset: 1}, 1000)
        assert.deepEqual(messages.map((message) => message.text), batch(0, 90).map((message) => message.text))
        assert.deepEqual(await log.append(batch(90, 10)), {first: 91, next: 101})
        assert.equal((await log.read({offset: 91}, 10)).messages.length, 10)
      } finally {
        await reopened.close()
      }
    })
  }

  it('cuts a tail of zeros (pages a machine crash left unwritten) and keeps what precedes it', async () => {
    const dir = freshDir()
    const engine = await FileLogEngine.open({dir, now: () => T0 + 2 * 60 * 60_000})
    await engine.app('web').append(batch(0, 10))
    await engine.close()
    const size = statSync(onlySegment(dir)).size
    appendFileSync(onlySegment(dir), Buffer.alloc(8192))

    const reopened = await FileLogEngine.open({dir, now: () => T0 + 2 * 60 * 60_000})
    try {
      assert.deepEqual(reopened.recovery.repairs.map(({cut}) => cut), [8192])
      assert.equal(statSync(onlySegment(dir)).size, size)
      assert.equal((await reopened.app('web').read({offset: 1}, 100)).messages.length, 10)
    } finally {
      await reopened.close()
    }
  })

  for (const writes of ['at once', 'off-loop'] as const) {
    it(`refuses an append on a full disk with a typed error, leaves what is stored intact, and still reads (RLIMIT_FSIZE, writes ${writes})`, async () => {
      const dir = freshDir()
      const engine = await FileLogEngine.open({dir, now: () => T0 + 2 * 60 * 60_000})
      await engine.app('web').append(batch(0, 10))
      await engine.close()
      const limit = statSync(onlySegment(dir)).size + 20_000

      const run = await runChild(['prlimit', `--fsize=${limit}`], [dir, 'never', 'until-full', writes])
      assert.equal(run.code, 0, run.stderr)
      const acks = run.events.flatMap((event) => (event.ack === undefined ? [] : [event.ack]))
      const failure = run.events.find((event) => event.error !== undefined)?.error
      assert.ok(acks.length >= 5, `${acks.length} appends fitted under the limit`)
      assert.deepEqual({name: failure?.name, reason: failure?.reason}, {name: 'LogWriteError', reason: 'full'}, failure?.message)
      const lastAcked = Math.max(...acks.map((ack) => ack.next))
      assert.deepEqual(run.events.find((event) => event.read !== undefined)?.read, {count: lastAcked - 1, last: lastAcked - 1}, 'reads went on after the failure')

      assert.ok(statSync(onlySegment(dir)).size <= limit)
      const reopened = await FileLogEngine.open({dir, now: () => T0 + 2 * 60 * 60_000})
      try {
        assert.deepEqual(reopened.recovery.repairs, [], 'the failed write was cut back at once: nothing left to repair')
        const log = reopened.app('web')
        assert.equal((await log.stats()).nextOffset, lastAcked)
        const {messages} = await log.read({offset: 11}, 10_000)
        assert.equal(messages.length, lastAcked - 11)
        const expected = [0, 1].flatMap((writer) => Array.from({length: 5}, (_, i) => childText(writer, 0, i)))
        assert.deepEqual(messages.slice(0, 10).map((message) => message.text), expected)
      } finally {
        await reopened.close()
      }
    })
  }
})
