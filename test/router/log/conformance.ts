import assert from 'node:assert/strict'

import {compileLinePrefilter} from '../../../src/query/prefilter.js'
import {decodeMessageBytes} from '../../../src/router/log/batch.js'
import {type EngineCapabilities, type LogEngine, LogWriteError, type NewMessage, type ReadResult, type RetentionPolicy, type StoredMessage, type StoredMessageBytes} from '../../../src/router/log/engine.js'
import {settlesWithin} from '../../../src/router/settles-within.js'
import {waitFor} from '../helpers.js'

/** What a conformance run opens engines with: a clock it controls, and retention limits when a case needs them. */
export interface EngineSettings {
  readonly now: () => number
  readonly retention?: Partial<RetentionPolicy>
}

/**
 * Storage for engines under test. A durable engine opened again on the same storage must find what an
 * earlier one stored; the suite closes every engine it opens.
 */
export interface EngineStorage {
  open(settings: EngineSettings): Promise<LogEngine>
}

const DAY = 24 * 60 * 60 * 1000
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0)

/** A typical Heroku router line, made unique by `n`. */
export function routerMessage(n: number, receivedAt: number, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    dyno: 'router',
    priority: 158,
    receivedAt,
    source: 'heroku',
    text: `at=info method=GET path="/items/${n}" host=demo.herokuapp.com request_id=${n.toString(16).padStart(8, '0')}-5b1c fwd="10.0.0.${n % 256}" dyno=web.1 connect=1ms service=${n % 97}ms status=200 bytes=${1000 + n} protocol=https`,
    timestamp: new Date(receivedAt).toISOString(),
    ...extra,
  }
}

function batch(from: number, count: number, receivedAt: number): NewMessage[] {
  return Array.from({length: count}, (_, i) => routerMessage(from + i, receivedAt))
}

const stored = (messages: readonly NewMessage[], first: number): StoredMessage[] => messages.map((message, i) => ({...message, offset: first + i}))

/**
 * The behaviour every LogEngine must have, written against the interface only. Cases that need messages
 * to survive a reopen are only registered for engines declared durable (and the engine must say so too).
 */
export function logEngineConformance(name: string, capabilities: EngineCapabilities, storage: () => EngineStorage): void {
  const durably = capabilities.durable ? it : undefined
  describe(`LogEngine conformance: ${name}`, () => {
    let clock = T0
    let opened: LogEngine[] = []
    let store: EngineStorage
    const open = async (retention?: Partial<RetentionPolicy>): Promise<LogEngine> => {
      const engine = await store.open({now: () => clock, retention})
      opened.push(engine)
      return engine
    }

    beforeEach(() => {
      clock = T0
      store = storage()
    })

    afterEach(async () => {
      await Promise.all(opened.map((engine) => engine.close()))
      opened = []
    })

    it('declares the capabilities it is tested for', async () => {
      assert.deepEqual((await open()).capabilities, capabilities)
    })

    it('numbers messages from 1, one apart, across batches and per app', async () => {
      const engine = await open()
      const web = engine.app('web')
      assert.deepEqual(await web.append(batch(0, 3, T0)), {first: 1, next: 4})
      assert.deepEqual(await web.append(batch(3, 2, T0)), {first: 4, next: 6})
      assert.deepEqual(await web.append([]), {first: 6, next: 6})
      assert.deepEqual(await engine.app('worker').append(batch(0, 1, T0)), {first: 1, next: 2})
      assert.deepEqual((await engine.apps()).sort(), ['web', 'worker'])
    })

    it('keeps the order of appends made without waiting for each other, and resolves them in that order', async () => {
      const log = (await open()).app('web')
      // The router hands messages to sessions as their append resolves: out of order, a session would see them so.
      const resolved: number[] = []
      const results = await Promise.all(Array.from({length: 20}, (_, i) => log.append(batch(i * 5, 5, T0)).then((result) => {
        resolved.push(i)
        return result
      })))
      assert.deepEqual(results, Array.from({length: 20}, (_, i) => ({first: 1 + i * 5, next: 6 + i * 5})))
      assert.deepEqual(resolved, Array.from({length: 20}, (_, i) => i))
      const {messages} = await log.read({offset: 1}, 1000)
      assert.deepEqual(messages.map((message) => message.text), batch(0, 100, T0).map((message) => message.text))
    })

    it('stores each message whole: multi-line and non-ASCII text, optional PRI and timestamp, source, dyno, receive time', async () => {
      const log = (await open()).app('web')
      const messages: NewMessage[] = [
        {dyno: 'web.1', priority: 0, receivedAt: T0, source: 'app', text: 'Error: boom\n    at main (/app/index.js:1:1)\r\n\tcaused by…', timestamp: '2026-12-01T09:00:00.123456+01:00'},
        {dyno: 'worker.2', receivedAt: T0 + 1, source: 'app', text: ''},
        {dyno: 'ƒ', priority: 191, receivedAt: T0 + 2, source: 'héroku', text: '日本語 🚀', timestamp: 'Dec  1 09:00:00'},
        {dyno: 'router', receivedAt: T0 + 3, source: 'heroku', text: 'x'.repeat(100_000)},
      ]
      await log.append(messages)
      assert.deepEqual((await log.read({offset: 1}, 10)).messages, stored(messages, 1))
    })

    it('reads into a sink the messages a plain read returns, or returns them: either way all of them, in order', async () => {
      const log = (await open()).app('web')
      const messages: NewMessage[] = [
        ...batch(0, 30, T0),
        {dyno: 'web.1', priIsLevel: false, priority: 131, receivedAt: T0, source: 'app', text: 'two\nlines', timestamp: '2026-12-01T09:00:00Z'},
        {dyno: 'ƒ', receivedAt: T0 + 2, source: 'héroku', text: '日本語 🚀'},
      ]
      for (let i = 0; i < messages.length; i += 8) await log.append(messages.slice(i, i + 8))
      const sunk: StoredMessage[] = []
      const sink = {take: (buffer: Buffer, parts: StoredMessageBytes) => sunk.push(decodeMessageBytes(buffer, parts))}
      const read = await log.read({offset: 3}, 25, {sink})
      const plain = await log.read({offset: 3}, 25)
      assert.equal(read.next, plain.next)
      assert.deepEqual([...sunk, ...read.messages], plain.messages)
      assert.ok(sunk.length === 0 || read.messages.length === 0, 'one way or the other')
      const rest: StoredMessage[] = []
      const end = await log.read({offset: read.next}, 100, {sink: {take: (buffer: Buffer, parts: StoredMessageBytes) => rest.push(decodeMessageBytes(buffer, parts))}})
      assert.deepEqual([...rest, ...end.messages], stored(messages, 1).slice(27))
    })

    it('keeps that a PRI was stamped by Heroku (priIsLevel false), so the message is levelled as it came in', async () => {
      const log = (await open()).app('web')
      await log.append([
        {dyno: 'web.1', priIsLevel: false, priority: 131, receivedAt: T0, source: 'app', text: 'from an HTTPS drain'},
        {dyno: 'web.1', priority: 131, receivedAt: T0, source: 'app', text: 'from rsyslog'},
      ])
      const {messages} = await log.read({offset: 1}, 10)
      assert.deepEqual(messages.map((message) => message.priIsLevel === false), [true, false])
    })

    it('finds messages whose PRI was stamped by Heroku by their receive time, and keeps them within the age limit', async () => {
      const engine = await open({maxAgeMs: 7 * DAY})
      const log = engine.app('web')
      const drained = (n: number, receivedAt: number): NewMessage => routerMessage(n, receivedAt, {priIsLevel: false})
      await log.append([drained(0, T0), drained(1, T0)])
      clock = T0 + 60_000
      await log.append([drained(2, clock), drained(3, clock)])
      assert.deepEqual((await log.read({time: T0 + 1}, 10)).messages.map((message) => message.offset), [3, 4])
      clock = T0 + DAY
      assert.equal((await engine.enforceRetention()).removed.get('web') ?? 0, 0)
      assert.deepEqual((await log.read({offset: 1}, 10)).messages.map((message) => message.offset), [1, 2, 3, 4])
    })

    it('reads from an offset with a limit, and says where to go on', async () => {
      const log = (await open()).app('web')
      const messages = batch(0, 50, T0)
      for (let i = 0; i < 50; i += 10) await log.append(messages.slice(i, i + 10))
      const page = await log.read({offset: 7}, 12)
      assert.deepEqual(page.messages, stored(messages.slice(6, 18), 7))
      assert.equal(page.next, 19)
      const rest = await log.read({offset: page.next}, 1000)
      assert.deepEqual(rest.messages.map((message) => message.offset), Array.from({length: 32}, (_, i) => 19 + i))
      assert.equal(rest.next, 51)
      assert.deepEqual(await log.read({offset: 51}, 10), {messages: [], next: 51})
      assert.equal((await log.read({offset: 0}, 1)).messages[0].offset, 1)
    })

    it('reads with a prefilter: every message that may match, at most `limit` offsets covered, and where to go on', async () => {
      const log = (await open()).app('web')
      const messages = batch(0, 60, T0).map((message, i) => (i % 7 === 0 ? {...message, text: message.text.replace('status=200', 'status=503')} : message))
      for (let i = 0; i < 60; i += 20) await log.append(messages.slice(i, i + 20))
      const prefilter = compileLinePrefilter({now: T0, where: ['status>=500']})
      const failing = (page: ReadResult) => page.messages.filter((message) => message.text.includes('status=503')).map((message) => message.offset)
      const first = await log.read({offset: 5}, 30, {prefilter})
      assert.deepEqual(failing(first), [8, 15, 22, 29])
      assert.equal(first.next, 35)
      assert.ok(first.messages.every((message, i) => message.offset >= 5 && message.offset < 35 && (i === 0 || message.offset > first.messages[i - 1].offset)))
      const rest = await log.read({offset: first.next}, 1000, {prefilter})
      assert.deepEqual(failing(rest), [36, 43, 50, 57])
      assert.equal(rest.next, 61)
    })

    it('reads nothing from an app that has no log yet', async () => {
      const log = (await open()).app('nobody')
      assert.deepEqual(await log.read({offset: 1}, 10), {messages: [], next: 1})
      assert.deepEqual(await log.read({time: T0}, 10), {messages: [], next: 1})
      assert.deepEqual(await log.stats(), {bytes: 0, firstOffset: 1, nextOffset: 1, oldestTime: undefined, segments: 0})
    })

    it('reads from the first message received at or after a time', async () => {
      const log = (await open()).app('web')
      for (let minute = 0; minute < 60; minute++) await log.append(batch(minute * 20, 20, T0 + minute * 60_000))
      const at = await log.read({time: T0 + 30 * 60_000 - 1}, 5)
      assert.deepEqual(at.messages.map((message) => message.offset), [601, 602, 603, 604, 605])
      assert.equal(at.messages[0].receivedAt, T0 + 30 * 60_000)
      assert.equal((await log.read({time: T0 + 45 * 60_000}, 1)).messages[0].offset, 901)
      assert.equal((await log.read({time: 0}, 1)).messages[0].offset, 1)
      assert.deepEqual(await log.read({time: T0 + DAY}, 5), {messages: [], next: 1201})
    })

    it('gives window ranges that hold every message whose own time is in the window, late senders included', async () => {
      const log = (await open()).app('web')
      const own = (minute: number): string => new Date(T0 - DAY + minute * 60_000).toISOString()
      // Sent over an hour, received a day later; then three late ones sent long before, and one with no timestamp.
      for (let minute = 0; minute < 60; minute++) {
        await log.append(Array.from({length: 20}, (_, i) => routerMessage(minute * 20 + i, T0 + minute * 60_000, {timestamp: own(minute)})))
      }

      await log.append([routerMessage(1, T0 + DAY, {timestamp: own(-600)}), routerMessage(2, T0 + DAY, {timestamp: own(30)}), routerMessage(3, T0 + DAY, {timestamp: undefined})])
      const all = (await log.read({offset: 1}, 10_000)).messages
      const windows: Array<[number | undefined, number | undefined]> = [
        [Date.parse(own(30)), Date.parse(own(31))], [undefined, Date.parse(own(-500))], [Date.parse(own(59)), undefined], [T0 + DAY, T0 + DAY],
      ]
      for (const [since, until] of windows) {
        const ranges = await log.windowRanges(since, until)
        for (const [i, range] of ranges.entries()) assert.ok(range.from < range.next && (i === 0 || ranges[i - 1].next <= range.from), JSON.stringify(ranges))
        const inWindow = all.filter((message) => {
          const time = message.timestamp === undefined ? message.receivedAt : Date.parse(message.timestamp)
          return time >= (since ?? -Infinity) && time <= (until ?? Infinity)
        })
        assert.ok(inWindow.length > 0)
        for (const message of inWindow) assert.ok(ranges.some((range) => range.from <= message.offset && message.offset < range.next), `${message.offset} in ${JSON.stringify(ranges)}`)
      }

      assert.deepEqual(await (await open()).app('none').windowRanges(undefined, undefined), [])
    })

    it('follows: what is stored, then each append as it comes, until the signal aborts', async () => {
      const log = (await open()).app('web')
      await log.append(batch(0, 3, T0))
      const controller = new AbortController()
      const seen: number[] = []
      const following = (async () => {
        for await (const messages of log.follow(2, {limit: 2, signal: controller.signal})) seen.push(...messages.map((message) => message.offset))
      })()
      await waitFor('the stored messages', () => seen.length === 2)
      assert.deepEqual(seen, [2, 3])
      await log.append(batch(3, 1, T0))
      await waitFor('the appended message', () => seen.length === 3)
      await log.append(batch(4, 3, T0))
      await waitFor('the next batch', () => seen.length === 6)
      controller.abort()
      await following
      assert.deepEqual(seen, [2, 3, 4, 5, 6, 7])
    })

    it('ends a follow whose signal aborts while it is still starting (a drain stopped just then is not kept waiting)', async () => {
      const log = (await open()).app('web')
      await log.append(batch(0, 3, T0))
      // Starting may take a round trip (a JetStream consumer): aborts at several moments meet it at each step.
      for (const delayMs of [0, 1, 2, 3, 5, 8, 13, 21]) {
        const controller = new AbortController()
        const first = log.follow(4, {signal: controller.signal})[Symbol.asyncIterator]().next()
        setTimeout(() => controller.abort(), delayMs)
        assert.ok(await settlesWithin(first, 10_000), `aborted after ${delayMs} ms: still waiting after 10 s`)
        assert.equal((await first).done, true, `aborted after ${delayMs} ms`)
      }
    })

    it('ends follows when the engine closes, and refuses appends after', async () => {
      const engine = await open()
      const log = engine.app('web')
      const seen: number[] = []
      const following = (async () => {
        for await (const messages of log.follow(1)) seen.push(...messages.map((message) => message.offset))
      })()
      await log.append(batch(0, 1, T0))
      await waitFor('the appended message', () => seen.length === 1)
      await engine.close()
      await following
      await assert.rejects(log.append(batch(1, 1, T0)), (error) => error instanceof LogWriteError && error.reason === 'closed')
    })

    it('keeps named cursors per app', async () => {
      const engine = await open()
      const web = engine.app('web')
      assert.equal(await web.cursor('drain-1'), undefined)
      await web.setCursor('drain-1', 42)
      await web.setCursor('drain-2', 7)
      await Promise.all([web.setCursor('drain-1', 43), web.setCursor('drain-1', 44)])
      assert.equal(await web.cursor('drain-1'), 44)
      assert.equal(await web.cursor('drain-2'), 7)
      assert.equal(await engine.app('worker').cursor('drain-1'), undefined)
      await assert.rejects(web.setCursor('drain-1', -1), RangeError)
    })

    it('deletes a cursor, leaving the others; deleting one never set does nothing', async () => {
      const engine = await open()
      const web = engine.app('web')
      await web.setCursor('drain-1', 42)
      await web.setCursor('drain-2', 7)
      await web.deleteCursor('drain-1')
      await web.deleteCursor('never-set')
      assert.equal(await web.cursor('drain-1'), undefined)
      assert.equal(await web.cursor('drain-2'), 7)
      await web.setCursor('drain-1', 3)
      assert.equal(await web.cursor('drain-1'), 3)
    })

    it('keeps readers\' states beside their cursors, each replaced whole; deletes one, leaving the others and the cursor of the same name', async () => {
      const engine = await open()
      const web = engine.app('web')
      assert.equal(await web.readerState('drain-1'), undefined)
      await web.setCursor('drain-1', 4)
      await web.setReaderState('drain-1', {delivered: 3, lastError: 'the receiver answered 400'})
      await web.setReaderState('drain-2', {delivered: 1})
      await web.setReaderState('drain-1', {delivered: 5})
      assert.deepEqual(await web.readerState('drain-1'), {delivered: 5})
      assert.equal(await engine.app('worker').readerState('drain-1'), undefined)
      await web.deleteReaderState('drain-1')
      await web.deleteReaderState('never-set')
      assert.equal(await web.readerState('drain-1'), undefined)
      assert.deepEqual(await web.readerState('drain-2'), {delivered: 1})
      assert.equal(await web.cursor('drain-1'), 4)
    })

    it('says what an app holds', async () => {
      const log = (await open()).app('web')
      await log.append(batch(0, 10, T0 + 5))
      await log.append(batch(10, 10, T0 + 9))
      const stats = await log.stats()
      assert.equal(stats.firstOffset, 1)
      assert.equal(stats.nextOffset, 21)
      assert.equal(stats.oldestTime, T0 + 5)
      assert.ok(stats.bytes > 20 * 200, `${stats.bytes} bytes for 20 messages`)
    })

    it('removes what is older than the age limit, keeps the rest, and numbers on from where it was', async () => {
      const engine = await open({maxAgeMs: 7 * DAY})
      const log = engine.app('web')
      await log.append(batch(0, 10, T0))
      clock = T0 + 2 * DAY
      await log.append(batch(10, 10, clock))
      clock = T0 + 8 * DAY
      const report = await engine.enforceRetention()
      assert.equal(report.removed.get('web'), 10)
      assert.ok(report.bytesRemoved > 0)
      const {messages} = await log.read({offset: 1}, 100)
      assert.deepEqual(messages.map((message) => message.offset), Array.from({length: 10}, (_, i) => 11 + i))
      const stats = await log.stats()
      assert.equal(stats.firstOffset, 11)
      assert.equal(stats.oldestTime, T0 + 2 * DAY)

      clock = T0 + 10 * DAY
      await engine.enforceRetention()
      assert.deepEqual(await log.read({offset: 1}, 100), {messages: [], next: 21})
      assert.equal((await log.stats()).firstOffset, 21)
      assert.deepEqual(await log.append(batch(20, 1, clock)), {first: 21, next: 22})
    })

    it('keeps an app under its size limit by removing its oldest messages', async () => {
      const engine = await open({appMaxBytes: 64 * 1024})
      const log = engine.app('web')
      for (let i = 0; i < 100; i++) await log.append(batch(i * 10, 10, T0 + i))
      await engine.enforceRetention()
      const stats = await log.stats()
      assert.ok(stats.bytes <= 64 * 1024, `${stats.bytes} bytes kept`)
      assert.ok(stats.firstOffset > 1)
      assert.equal(stats.nextOffset, 1001)
      const {messages} = await log.read({offset: 1}, 2000)
      assert.equal(messages[0].offset, stats.firstOffset)
      assert.equal(messages.at(-1)?.offset, 1000)
    })

    it('keeps all apps together under the total limit, taking the oldest first', async () => {
      // About 49 kB each: only the older one has to give some up.
      const engine = await open({totalMaxBytes: 80 * 1024})
      for (let i = 0; i < 20; i++) await engine.app('old').append(batch(i * 10, 10, T0 + i))
      for (let i = 0; i < 20; i++) await engine.app('new').append(batch(i * 10, 10, T0 + DAY + i))
      await engine.enforceRetention()
      const old = await engine.app('old').stats()
      const fresh = await engine.app('new').stats()
      assert.ok(old.bytes + fresh.bytes <= 80 * 1024, `${old.bytes} + ${fresh.bytes} bytes kept`)
      assert.ok(old.firstOffset > 1, 'the older app lost its oldest')
      assert.equal(fresh.firstOffset, 1, 'the newer app kept everything')
    })

    durably?.('survives a reopen: messages, offsets, cursors, readers\' states and stats', async () => {
      const first = await open()
      const messages = batch(0, 30, T0)
      await first.app('web').append(messages.slice(0, 10))
      await first.app('web').append(messages.slice(10))
      await first.app('web').setCursor('drain-1', 12)
      await first.app('web').setCursor('removed', 5)
      await first.app('web').deleteCursor('removed')
      await first.app('web').setReaderState('drain-1', {delivered: 11, lastError: 'refused', lastSuccessAt: T0})
      const before = await first.app('web').stats()
      await first.close()

      const second = await open()
      const log = second.app('web')
      assert.deepEqual(await second.apps(), ['web'])
      assert.deepEqual((await log.read({offset: 1}, 100)).messages, stored(messages, 1))
      assert.equal(await log.cursor('drain-1'), 12)
      assert.equal(await log.cursor('removed'), undefined)
      assert.deepEqual(await log.readerState('drain-1'), {delivered: 11, lastError: 'refused', lastSuccessAt: T0})
      assert.deepEqual(await log.stats(), before)
      assert.deepEqual(await log.append(batch(30, 1, T0)), {first: 31, next: 32})
    })

    durably?.('keeps numbering on after a reopen even when retention removed everything', async () => {
      const first = await open({maxAgeMs: DAY})
      await first.app('web').append(batch(0, 5, T0))
      clock = T0 + 2 * DAY
      await first.enforceRetention()
      await first.close()
      const log = (await open({maxAgeMs: DAY})).app('web')
      assert.deepEqual(await log.append(batch(5, 1, clock)), {first: 6, next: 7})
    })
  })
}
