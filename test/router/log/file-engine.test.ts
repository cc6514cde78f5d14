import assert from 'node:assert/strict'
import {cpSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {compileLinePrefilter} from '../../../src/query/prefilter.js'
import {CursorFileError} from '../../../src/router/log/cursors.js'
import type {NewMessage, StoredMessage} from '../../../src/router/log/engine.js'
import {type FileEngineOptions, FileLogEngine} from '../../../src/router/log/file-engine.js'
import {waitFor} from '../helpers.js'
import {logEngineConformance, routerMessage} from './conformance.js'

const scratch: string[] = []
after(() => {
  for (const dir of scratch) rmSync(dir, {force: true, recursive: true})
})

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'logsift-log-'))
  scratch.push(dir)
  return dir
}

const variants: Array<{name: string; options: Partial<FileEngineOptions>}> = [
  {name: 'fsync always', options: {fsync: 'always'}},
  {name: 'fsync interval', options: {fsync: 'interval'}},
  {name: 'fsync never', options: {fsync: 'never'}},
  // As when the disk is slow: every write through the thread pool, appends waiting for it written together.
  {name: 'fsync always, every write off the event loop', options: {fsync: 'always', slowWriteMs: 0}},
  {name: 'fsync never, every write off the event loop', options: {fsync: 'never', slowWriteMs: 0}},
]
for (const {name, options} of variants) {
  logEngineConformance(`file engine, ${name}`, {durable: true}, () => {
    const dir = freshDir()
    // Small segments and a dense index, so that the cases cross segment and index boundaries.
    return {open: ({now, retention}) => FileLogEngine.open({dir, indexIntervalBytes: 2048, now, retention, segmentBytes: 16 * 1024, ...options})}
  })
}

const DAY = 24 * 60 * 60 * 1000
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0)
const batch = (from: number, count: number, receivedAt: number): NewMessage[] => Array.from({length: count}, (_, i) => routerMessage(from + i, receivedAt))

describe('FileLogEngine', () => {
  let engines: FileLogEngine[] = []
  // The tests' messages are received around T0: a clock of their own keeps segment age and retention
  // from depending on when the suite runs (the real clock made segments 'old' from 15:00 UTC on).
  const open = async (options: Partial<FileEngineOptions> & {dir: string}): Promise<FileLogEngine> => {
    const engine = await FileLogEngine.open({now: () => T0 + 2 * 60 * 60_000, ...options})
    engines.push(engine)
    return engine
  }

  afterEach(async () => {
    await Promise.all(engines.map((engine) => engine.close()))
    engines = []
  })

  it('stores an app in segment files named by their first offset, and removes them whole', async () => {
    const dir = freshDir()
    let clock = T0
    const engine = await open({dir, now: () => clock, retention: {maxAgeMs: 7 * DAY}, segmentBytes: 8 * 1024})
    const log = engine.app('web')
    for (let i = 0; i < 10; i++) await log.append(batch(i * 10, 10, T0))
    clock = T0 + 3 * DAY
    for (let i = 10; i < 20; i++) await log.append(batch(i * 10, 10, clock))
    const before = segmentFiles(join(dir, 'web'))
    assert.ok(before.length >= 4, before.join(' '))
    assert.equal(before[0], '00000000000000000001.log')
    assert.equal((await log.stats()).segments, before.length)

    clock = T0 + 8 * DAY
    const report = await engine.enforceRetention()
    const after = segmentFiles(join(dir, 'web'))
    const removed = before.filter((name) => !after.includes(name))
    assert.ok(removed.length > 0 && after.every((name) => before.includes(name)), 'only whole files went')
    const first = Number(after[0].slice(0, 20))
    assert.equal(first, (await log.stats()).firstOffset)
    assert.equal(report.removed.get('web'), first - 1)
    assert.deepEqual((await log.read({offset: 1}, 1)).messages.map((message) => message.receivedAt), [clock - 5 * DAY])
  })

  it('expires an idle app entirely, keeping its next offset in the name of an empty segment', async () => {
    const dir = freshDir()
    let clock = T0
    const engine = await open({dir, now: () => clock, retention: {maxAgeMs: DAY}})
    await engine.app('web').append(batch(0, 41, T0))
    clock = T0 + 2 * DAY
    assert.equal((await engine.enforceRetention()).removed.get('web'), 41)
    assert.deepEqual(segmentFiles(join(dir, 'web')), ['00000000000000000042.log'])
    assert.equal(statSync(join(dir, 'web', '00000000000000000042.log')).size, 0)
  })

  it('seals a segment by age after a restart too', async () => {
    const dir = freshDir()
    let clock = T0
    const engine = await open({dir, now: () => clock, segmentMs: 60 * 60_000})
    await engine.app('web').append(batch(0, 5, T0))
    clock = T0 + 2 * 60 * 60_000
    await engine.app('web').append(batch(5, 5, clock))
    await engine.close()
    clock = T0 + 4 * 60 * 60_000
    const reopened = await open({dir, now: () => clock, segmentMs: 60 * 60_000})
    await reopened.app('web').append(batch(10, 5, clock))
    assert.deepEqual(segmentFiles(join(dir, 'web')), ['00000000000000000001.log', '00000000000000000006.log', '00000000000000000011.log'])
  })

  it('finds a time or an offset through the index without reading the segment from its start', async () => {
    const dir = freshDir()
    const engine = await open({dir, indexIntervalBytes: 4096})
    const log = engine.app('web')
    for (let minute = 0; minute < 100; minute++) await log.append(batch(minute * 10, 10, T0 + minute * 60_000))
    await engine.close()
    // Damage the first batch: a lookup that started from the beginning of the file would stop there.
    const segment = join(dir, 'web', '00000000000000000001.log')
    const bytes = readFileSync(segment)
    bytes[100] ^= 0xff
    writeFileSync(segment, bytes)

    const engineAgain = await open({dir})
    assert.deepEqual(engineAgain.recovery.repairs.map(({cut, skipped}) => ({cut, skipped: skipped.length})), [{cut: 0, skipped: 1}], 'left in place, not cut')
    const reopened = engineAgain.app('web')
    assert.equal((await reopened.read({time: T0 + 70 * 60_000}, 1)).messages[0].offset, 701)
    assert.equal((await reopened.read({offset: 555}, 1)).messages[0].offset, 555)
    const fromStart = await reopened.read({offset: 1}, 1)
    assert.ok(fromStart.messages[0].offset > 10 && fromStart.messages[0].offset < 40, `reading went on past the damaged batch at ${fromStart.messages[0].offset}`)
  })

  it('decodes only the messages a read\'s prefilter lets through, across batches and segments', async () => {
    const log = (await open({dir: freshDir(), segmentBytes: 16 * 1024})).app('web')
    const messages = batch(0, 300, T0).map((message, i) => (i % 50 === 3 ? {...message, text: message.text.replace('status=200', 'status=502')} : message))
    for (let i = 0; i < 300; i += 25) await log.append(messages.slice(i, i + 25))
    const prefilter = compileLinePrefilter({now: T0, where: ['status>=500']})
    const page = await log.read({offset: 1}, 1000, {prefilter})
    assert.deepEqual(page.messages.map((message) => message.offset), [4, 54, 104, 154, 204, 254])
    assert.equal(page.next, 301)
    const withoutStatus = await log.read({offset: 1}, 1000, {prefilter: compileLinePrefilter({grep: ['request_id=0000012c'], now: T0})})
    assert.deepEqual(withoutStatus.messages, [])
  })

  it('rebuilds a missing or damaged time index at open', async () => {
    const dir = freshDir()
    const engine = await open({dir, indexIntervalBytes: 4096, segmentBytes: 64 * 1024})
    for (let minute = 0; minute < 100; minute++) await engine.app('web').append(batch(minute * 10, 10, T0 + minute * 60_000))
    await engine.close()
    const indexes = readdirSync(join(dir, 'web')).filter((name) => name.endsWith('.tix'))
    rmSync(join(dir, 'web', indexes[0]))
    writeFileSync(join(dir, 'web', indexes[1]), Buffer.alloc(64, 0xab))

    const reopened = await open({dir})
    for (const minute of [5, 50, 95]) assert.equal((await reopened.app('web').read({time: T0 + minute * 60_000}, 1)).messages[0].offset, minute * 10 + 1)
    assert.ok(statSync(join(dir, 'web', indexes[0])).size > 0, 'the index was written again')
  })

  it('has a sealed segment\'s time index on file once it is sealed, for a restart after kill -9', async () => {
    const dir = freshDir()
    const engine = await open({dir, indexIntervalBytes: 4096, segmentBytes: 64 * 1024})
    for (let minute = 0; minute < 100; minute++) await engine.app('web').append(batch(minute * 10, 10, T0 + minute * 60_000))
    // The files as a kill -9 leaves them: the engine is not closed.
    const copy = freshDir()
    cpSync(dir, copy, {recursive: true})
    const indexes = readdirSync(join(copy, 'web')).filter((name) => name.endsWith('.tix')).sort()
    assert.ok(indexes.length > 2)
    const sealed = indexes.slice(0, -1).map((name) => readFileSync(join(copy, 'web', name)))
    for (const bytes of sealed) assert.ok(bytes.length > 0, 'a sealed segment has its index')

    const reopened = await open({dir: copy})
    for (const minute of [5, 50, 95]) assert.equal((await reopened.app('web').read({time: T0 + minute * 60_000}, 1)).messages[0].offset, minute * 10 + 1)
    // Sealed segments' indexes were trusted as written, not rebuilt.
    assert.deepEqual(indexes.slice(0, -1).map((name) => readFileSync(join(copy, 'web', name))), sealed)
    await reopened.close()
    await engine.close()
  })

  it('shares one fsync among appends that arrive while another runs (fsync always)', async () => {
    const engine = await open({dir: freshDir(), fsync: 'always'})
    const log = engine.app('web')
    await log.append(batch(0, 1, T0))
    const before = engine.fsyncRounds
    const results = await Promise.all(Array.from({length: 50}, (_, i) => log.append(batch(i * 10, 10, T0))))
    assert.equal(results.at(-1)?.next, 502)
    const rounds = engine.fsyncRounds - before
    assert.ok(rounds >= 1 && rounds <= 3, `${rounds} fsync rounds for 50 appends`)
  })

  it('keeps app ids that look like paths inside its directory', async () => {
    const dir = freshDir()
    const engine = await open({dir: join(dir, 'log')})
    for (const appId of ['../escape', 'a/b', '.', 'ok']) await engine.app(appId).append(batch(0, 1, T0))
    await engine.close()
    assert.deepEqual(readdirSync(dir), ['log'])
    assert.deepEqual((await (await open({dir: join(dir, 'log')})).apps()).sort(), ['.', '../escape', 'a/b', 'ok'])
  })

  for (const fsync of ['always', 'interval', 'never'] as const) {
    it(`closes the files of the segments retention removes (fsync ${fsync}), so a long-running router holds none of them`, async () => {
      const dir = freshDir()
      const engine = await open({dir, fsync, fsyncIntervalMs: 60_000, retention: {appMaxBytes: 32 * 1024}, segmentBytes: 8 * 1024})
      const log = engine.app('web')
      for (let i = 0; i < 40; i++) await log.append(batch(i * 10, 10, T0))
      // Read first, so that the segments' read descriptors are open too.
      for (let from = 1; from <= 400; from += 10) assert.equal((await log.read({offset: from}, 10)).messages.length, 10)
      await engine.enforceRetention()
      assert.ok((await log.stats()).firstOffset > 100, 'retention removed segments')
      const removedButOpen = () => openFilesUnder(dir).filter((path) => path.endsWith('(deleted)'))
      await waitFor('no removed segment open', () => removedButOpen().length === 0).catch(() => assert.fail(`still open: ${removedButOpen().join(', ')}`))
    })
  }

  it('reads a segment in many calls through one descriptor, closed once the reads stop and when the engine closes', async () => {
    const dir = freshDir()
    const engine = await open({dir, fsync: 'never', segmentBytes: 1024 * 1024})
    const log = engine.app('web')
    for (let i = 0; i < 20; i++) await log.append(batch(i * 10, 10, T0))
    const segment = openFilesUnder(dir).find((path) => path.endsWith('.log'))!
    const opened = () => openFilesUnder(dir).filter((path) => path === segment).length
    const writing = opened()
    const reads = await Promise.all(Array.from({length: 50}, (_, i) => log.read({offset: (i % 20) * 10 + 1}, 10)))
    assert.ok(reads.every((read) => read.messages.length === 10))
    assert.equal(opened(), writing + 1, 'one descriptor for all the reads')
    await waitFor('the idle read descriptor closed', () => opened() === writing, 10_000)
    await log.read({offset: 1}, 10)
    await engine.close()
    assert.deepEqual(openFilesUnder(dir), [])
  })

  describe('prefiltered reads split across read threads', () => {
    const query = {now: T0, where: ['status>=500']}
    const prefilter = compileLinePrefilter(query)!
    const STORED = 40_000
    const withErrors = (from: number, count: number) => batch(from, count, T0).map((message, i) => ((from + i) % 37 === 5 ? {...message, text: message.text.replace('status=200', 'status=503')} : message))

    async function stored(dir: string): Promise<void> {
      const engine = await open({dir, readThreads: 1, segmentBytes: 256 * 1024})
      for (let i = 0; i < STORED; i += 500) await engine.app('web').append(withErrors(i, 500))
      await engine.close()
    }

    it('give what one thread gives, from any offset and for any count, across segments', async () => {
      const dir = freshDir()
      await stored(dir)
      const oneThread = (await open({dir, readThreads: 1})).app('web')
      const threadedEngine = await open({dir, readThreads: 3})
      const threaded = threadedEngine.app('web')
      const cases: Array<[number, number]> = [[1, STORED], [1, 16_000], [7777, 16_000], [12_345, 9000], [STORED - 9000, 16_000], [STORED - 100, 16_000], [20_000, 8191]]
      for (const [from, count] of cases) {
        const expected = await oneThread.read({offset: from}, count, {prefilter, query})
        const got = await threaded.read({offset: from}, count, {prefilter, query})
        assert.deepEqual(got, expected, `from ${from}, ${count} offsets`)
        assert.ok(expected.messages.length > 0 && expected.messages.every((message) => message.text.includes('status=503')))
      }

      assert.ok(threadedEngine.readsInParts >= 5, `${threadedEngine.readsInParts} reads were split across threads`)
      // The workers' descriptors are the process's: closing the engine closes them too.
      await Promise.all(engines.map((engine) => engine.close()))
      assert.deepEqual(openFilesUnder(dir), [])
    })

    it('end once they hold about maxMessages, and reads on from their `next` give the rest, on one thread or several', async () => {
      const dir = freshDir()
      await stored(dir)
      const whole = await (await open({dir, readThreads: 1})).app('web').read({offset: 1}, STORED, {prefilter, query})
      // A batch here holds 500 messages, of which at most 14 pass: a read ends within 14 past its maxMessages.
      const maxMessages = 100
      for (const readThreads of [undefined, 1, 3]) {
        const log = (await open({dir, readThreads})).app('web')
        const got: StoredMessage[] = []
        let reads = 0
        for (let from = 1; from <= STORED; reads++) {
          const {messages, next} = await log.read({offset: from}, STORED, {maxMessages, prefilter, query})
          assert.ok(messages.length <= maxMessages + 14, `${messages.length} messages in one read (${readThreads} threads)`)
          assert.ok(next > from, 'each read goes on')
          got.push(...messages)
          from = next
        }

        assert.deepEqual(got, whole.messages, `${readThreads ?? 'no'} read threads`)
        assert.ok(reads >= whole.messages.length / (maxMessages + 14), `${reads} reads for ${whole.messages.length} messages`)
      }
    })

    it('check a batch once: the engine reads it again unchecked; opened again, it checks it (on one thread or several)', async () => {
      const dir = freshDir()
      await stored(dir)
      const segment = join(dir, 'web', readdirSync(join(dir, 'web')).filter((name) => name.endsWith('.log')).sort()[1])
      const bytes = readFileSync(segment)
      for (const readThreads of [1, 2]) {
        const log = (await open({dir, readThreads})).app('web')
        const first = await log.read({offset: 1}, STORED, {prefilter, query})
        // The CRC of the segment's first batch, not its messages: only a check can tell.
        bytes[5] ^= 0xff
        writeFileSync(segment, bytes)
        assert.deepEqual(await log.read({offset: 1}, STORED, {prefilter, query}), first, `${readThreads} threads: read again unchecked`)
        const reopened = (await open({dir, readThreads})).app('web')
        const checked = await reopened.read({offset: 1}, STORED, {prefilter, query})
        assert.ok(checked.messages.length < first.messages.length, `${readThreads} threads: opened again, the batch fails its check and is stepped over`)
        bytes[5] ^= 0xff
        writeFileSync(segment, bytes)
      }
    })

    it('are made on the engine\'s thread when a part meets a damaged batch, stepping over it as one thread does', async () => {
      const dir = freshDir()
      await stored(dir)
      const segment = join(dir, 'web', readdirSync(join(dir, 'web')).filter((name) => name.endsWith('.log')).sort()[1])
      const bytes = readFileSync(segment)
      bytes[bytes.length >> 1] ^= 0xff
      writeFileSync(segment, bytes)
      const oneThread = (await open({dir, readThreads: 1})).app('web')
      const threaded = (await open({dir, readThreads: 2})).app('web')
      const expected = await oneThread.read({offset: 1}, STORED, {prefilter, query})
      assert.deepEqual(await threaded.read({offset: 1}, STORED, {prefilter, query}), expected)
      assert.ok(expected.messages.length < STORED / 37, 'the damaged batch was stepped over')
    })
  })

  it('says which cursors file it cannot read', async () => {
    const dir = freshDir()
    const engine = await open({dir})
    await engine.app('web').setCursor('drain', 3)
    await engine.close()
    writeFileSync(join(dir, 'web', 'cursors.json'), '{"version": 1, "cursors": {"drain": "three"}}')
    await assert.rejects((await open({dir})).app('web').cursor('drain'), (error: Error) => error instanceof CursorFileError && error.message.includes(join(dir, 'web', 'cursors.json')))
  })

  it('reads a cursors file written before readers kept states', async () => {
    const dir = freshDir()
    const engine = await open({dir})
    await engine.app('web').setCursor('drain', 1)
    await engine.close()
    writeFileSync(join(dir, 'web', 'cursors.json'), '{"version": 1, "cursors": {"drain": 3}}')
    const web = (await open({dir})).app('web')
    assert.equal(await web.cursor('drain'), 3)
    assert.equal(await web.readerState('drain'), undefined)
  })

  it('applies retention on its own once segments are sealed', async () => {
    const dir = freshDir()
    const engine = await open({dir, retention: {appMaxBytes: 64 * 1024}})
    const log = engine.app('web')
    for (let i = 0; i < 100; i++) await log.append(batch(i * 10, 10, T0))
    const stored = (): number => segmentFiles(join(dir, 'web')).reduce((sum, name) => sum + statSync(join(dir, 'web', name)).size, 0)
    await waitFor('retention to bring the app under its limit', () => stored() <= 64 * 1024)
    assert.ok((await log.stats()).firstOffset > 1)
  })

  describe('own-time ranges of segments (windowRanges)', () => {
    const HOUR = 60 * 60 * 1000
    // Ten hours sent, each received a day later in its own segments; a window of one hour reads only its own.
    const fill = async (dir: string): Promise<void> => {
      const engine = await open({dir, segmentBytes: 8 * 1024})
      for (let hour = 0; hour < 10; hour++) {
        const sent = new Date(T0 - DAY + hour * HOUR).toISOString()
        for (let i = 0; i < 4; i++) await engine.app('web').append(Array.from({length: 20}, (_, n) => routerMessage(hour * 80 + i * 20 + n, T0 + hour * HOUR, {timestamp: sent})))
      }

      await engine.close()
    }

    const hourRange = async (log: ReturnType<FileLogEngine['app']>, hour: number): Promise<Array<{from: number; next: number}>> => {
      const since = T0 - DAY + hour * HOUR
      return log.windowRanges(since, since + 60_000)
    }

    const covered = (ranges: ReadonlyArray<{from: number; next: number}>): number => ranges.reduce((sum, range) => sum + range.next - range.from, 0)

    it('keeps them beside sealed segments, across a reopen, and skips the segments outside a window', async () => {
      const dir = freshDir()
      await fill(dir)
      const names = readdirSync(join(dir, 'web'))
      assert.equal(names.filter((name) => name.endsWith('.otr')).length, names.filter((name) => name.endsWith('.log')).length - 1)
      const log = (await open({dir, segmentBytes: 8 * 1024})).app('web')
      const ranges = await hourRange(log, 4)
      // Hour 4 is offsets 321 to 400; a segment holds about 30, so a few segments and no more.
      assert.ok(ranges[0].from <= 321 && ranges.at(-1)!.next >= 401, JSON.stringify(ranges))
      assert.ok(covered(ranges) < 200, JSON.stringify(ranges))
      const before = readdirSync(join(dir, 'web')).filter((name) => name.endsWith('.otr')).map((name) => statSync(join(dir, 'web', name)).mtimeMs)
      await hourRange(log, 7)
      assert.deepEqual(readdirSync(join(dir, 'web')).filter((name) => name.endsWith('.otr')).map((name) => statSync(join(dir, 'web', name)).mtimeMs), before)
    })

    it('keeps at the seal, from what was written, the span a read of the segment gives', async () => {
      const dir = freshDir()
      const engine = await open({dir, segmentBytes: 8 * 1024})
      // Own times of every kind (shapes with and without a fraction or an offset, none, unparseable), each
      // message's a second after the last's, so that each segment's first and last set its span.
      const shapes = [
        (ms: number) => new Date(ms).toISOString(),
        (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z'),
        (ms: number) => new Date(ms + 2 * 60 * 60 * 1000).toISOString().replace('Z', '+02:00'),
        (ms: number) => new Date(ms - 7 * 60 * 60 * 1000).toISOString().replace('Z', '000-07:00'),
        () => undefined,
        () => 'Dec  1 09:00:00',
      ]
      for (let i = 0; i < 40; i++) {
        await engine.app('web').append(Array.from({length: 10}, (_, n) => {
          const at = T0 + (i * 10 + n) * 1000
          return routerMessage(i * 10 + n, at, {timestamp: shapes[(i * 3 + n) % shapes.length](at)})
        }))
      }

      await engine.close()
      const spanFiles = (): string[] => readdirSync(join(dir, 'web')).filter((name) => name.endsWith('.otr')).sort()
      const kept = spanFiles().map((name) => readFileSync(join(dir, 'web', name)))
      assert.ok(kept.length > 5, `${kept.length} sealed segments`)
      for (const name of spanFiles()) rmSync(join(dir, 'web', name))
      // Reopened, the sealed segments are read for their spans, and the spans stored again.
      await (await open({dir, segmentBytes: 8 * 1024})).app('web').windowRanges(T0, T0 + 1)
      assert.deepEqual(spanFiles().map((name) => readFileSync(join(dir, 'web', name))), kept)
    })

    it('computes them again when missing, torn or written for a segment recovery cut, never skipping wrongly', async () => {
      const dir = freshDir()
      await fill(dir)
      const spans = readdirSync(join(dir, 'web')).filter((name) => name.endsWith('.otr')).sort()
      rmSync(join(dir, 'web', spans[3]))
      writeFileSync(join(dir, 'web', spans[5]), 'torn')
      // A span written for a larger file than the one left, which lies: it says the segment is all hour 9.
      const lying = Buffer.alloc(24)
      lying.writeDoubleLE(T0 - DAY + 9 * HOUR, 0)
      lying.writeDoubleLE(T0 - DAY + 9 * HOUR, 8)
      lying.writeDoubleLE(1e9, 16)
      writeFileSync(join(dir, 'web', spans[0]), lying)
      const log = (await open({dir, segmentBytes: 8 * 1024})).app('web')
      const all = (await log.read({offset: 1}, 10_000)).messages
      for (let hour = 0; hour < 10; hour++) {
        const ranges = await hourRange(log, hour)
        const mine = all.filter((message) => Date.parse(message.timestamp!) === T0 - DAY + hour * HOUR)
        assert.equal(mine.length, 80)
        for (const message of mine) assert.ok(ranges.some((range) => range.from <= message.offset && message.offset < range.next), `hour ${hour}: ${message.offset} in ${JSON.stringify(ranges)}`)
        assert.ok(covered(ranges) < 200, `hour ${hour}: ${JSON.stringify(ranges)}`)
      }

      assert.equal(readFileSync(join(dir, 'web', spans[5])).length, 24)
    })

    it('after a torn write to the active segment, ranges hold what is left and what comes next', async () => {
      const dir = freshDir()
      await fill(dir)
      const last = segmentFiles(join(dir, 'web')).at(-1)!
      const path = join(dir, 'web', last)
      writeFileSync(path, readFileSync(path).subarray(0, statSync(path).size - 7))
      const engine = await open({dir, segmentBytes: 8 * 1024})
      const log = engine.app('web')
      const late = routerMessage(9999, T0 + 20 * HOUR, {timestamp: new Date(T0 - DAY + 2 * HOUR + 30_000).toISOString()})
      const {first} = await log.append([late])
      const ranges = await log.windowRanges(T0 - DAY + 2 * HOUR, T0 - DAY + 2 * HOUR + 60_000)
      assert.ok(ranges.some((range) => range.from <= first && first < range.next), JSON.stringify(ranges))
      assert.ok(ranges.some((range) => range.from <= 161 && 161 < range.next), JSON.stringify(ranges))
    })

    it('removes a segment\'s span with it (retention)', async () => {
      const dir = freshDir()
      const clock = T0 + 30 * DAY
      await fill(dir)
      const engine = await open({dir, now: () => clock, retention: {maxAgeMs: DAY}, segmentBytes: 8 * 1024})
      await engine.enforceRetention()
      const left = readdirSync(join(dir, 'web'))
      assert.equal(left.filter((name) => name.endsWith('.otr')).length, 0, left.join(' '))
      assert.deepEqual(await engine.app('web').windowRanges(undefined, undefined), [])
    })
  })
})

function segmentFiles(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.log')).sort()
}

/** The files this process has open under `dir`, as /proc shows them (a removed one ends in ` (deleted)`). */
function openFilesUnder(dir: string): string[] {
  const paths: string[] = []
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const path = readlinkSync(join('/proc/self/fd', fd))
      if (path.startsWith(dir)) paths.push(path)
    } catch {}
  }

  return paths
}
