import assert from 'node:assert/strict'

import {type SkipReason, splitDatagram, SyslogStreamSplitter} from '../../src/parse/syslog-framing.js'

interface Split {
  /** Each message as text, framed ones with a `#` before their `LEN SP`. */
  messages: string[]
  skipped: SkipReason[]
}

/** Feeds the chunks through a splitter, then ends the stream. */
function split(chunks: string[], maxFrame?: number): Split {
  const result: Split = {messages: [], skipped: []}
  const splitter = new SyslogStreamSplitter({
    message: (unit, framed) => result.messages.push((framed ? '#' : '') + unit.toString('latin1')),
    skipped: (reason) => result.skipped.push(reason),
  }, maxFrame)
  for (const chunk of chunks) splitter.push(Buffer.from(chunk, 'latin1'))
  splitter.end()
  return result
}

/** Whole, one byte at a time, and cut in two at every offset. */
function everyChunking(input: string): string[][] {
  const cuts = Array.from({length: input.length + 1}, (_, i) => [input.slice(0, i), input.slice(i)])
  return [[input], [...input], ...cuts]
}

function assertEveryChunking(input: string, expected: Split, maxFrame?: number): void {
  for (const chunks of everyChunking(input)) assert.deepEqual(split(chunks, maxFrame), expected, JSON.stringify(chunks))
}

// Strings here stand for bytes (latin1), so a string's length is its byte count.
const octets = (msg: string) => `${msg.length} ${msg}`
/** A frame whose LEN is off by `error` bytes. */
const miscounted = (msg: string, error: number) => `${msg.length + error} ${msg}`

// What util-linux logger 2.38 sends with --octet-count (no trailer), and Heroku's drains (LF inside LEN).
const LOGGER_A = '<13>Dec  1 09:48:57 vm demo: first'
const LOGGER_B = '<13>1 2026-12-01T09:48:57.673088+00:00 vm demo - - [timeQuality tzKnown="1" isSynced="0"] status=200'
const LOGGER_C = '<13>Dec  1 09:48:58 vm demo[42]: third 7'
const HEROKU = '<190>1 2024-05-01T12:00:00+00:00 host app web.1 - hello\n'

describe('SyslogStreamSplitter: octet counting', () => {
  const table: Array<[string, string, Split]> = [
    ['frames without a trailer, ending in digits', octets(LOGGER_A) + octets(LOGGER_B) + octets(LOGGER_C),
      {messages: [LOGGER_A, LOGGER_B, LOGGER_C].map((m) => '#' + octets(m)), skipped: []}],
    ['frames with their LF counted', octets(HEROKU) + octets(HEROKU),
      {messages: ['#' + octets(HEROKU), '#' + octets(HEROKU)], skipped: []}],
    ['frames with LF, CRLF or NUL after them, not counted', octets(LOGGER_A) + '\n' + octets(LOGGER_B) + '\r\n' + octets(LOGGER_C) + '\0',
      {messages: [LOGGER_A, LOGGER_B, LOGGER_C].map((m) => '#' + octets(m)), skipped: []}],
    ['a LEN too small: the frame is cut, the rest of it skipped', miscounted(LOGGER_A, -5) + octets(LOGGER_B) + octets(LOGGER_C),
      {messages: ['#' + miscounted(LOGGER_A, -5).slice(0, -5), '#' + octets(LOGGER_B), '#' + octets(LOGGER_C)], skipped: ['malformed']}],
    ['a LEN too small by one multi-byte character (characters counted, not bytes)', miscounted('<13>Dec  1 09:48:57 vm demo: caf\u00c3\u00a9', -1) + octets(LOGGER_B),
      {messages: ['#' + miscounted('<13>Dec  1 09:48:57 vm demo: caf\u00c3\u00a9', -1).slice(0, -1), '#' + octets(LOGGER_B)], skipped: ['malformed']}],
    ['a LEN too large by one: it takes in the first digit of the next LEN', miscounted(LOGGER_A, 1) + octets(LOGGER_B) + octets(LOGGER_C),
      {messages: ['#' + miscounted(LOGGER_A, 1), '#' + octets(LOGGER_B), '#' + octets(LOGGER_C)], skipped: []}],
    ['a LEN too large by one before a two-digit LEN', miscounted(LOGGER_C, 1) + octets(LOGGER_A) + octets(LOGGER_C),
      {messages: ['#' + miscounted(LOGGER_C, 1), '#' + octets(LOGGER_A), '#' + octets(LOGGER_C)], skipped: []}],
    ['a LEN too large by ten: it takes in the start of the next frame', miscounted(LOGGER_C, 10) + octets(LOGGER_A) + octets(LOGGER_B),
      {messages: ['#' + miscounted(LOGGER_C, 10), '#' + octets(LOGGER_A), '#' + octets(LOGGER_B)], skipped: []}],
    ['a LEN far too large, then the stream ends', miscounted(LOGGER_A, 900) + octets(LOGGER_B) + octets(LOGGER_C),
      {messages: ['#' + miscounted(LOGGER_A, 900), '#' + octets(LOGGER_B), '#' + octets(LOGGER_C)], skipped: []}],
    ['garbage between frames', octets(LOGGER_A) + 'garbage 12 here\n' + octets(LOGGER_B),
      {messages: ['#' + octets(LOGGER_A), '#' + octets(LOGGER_B)], skipped: ['malformed']}],
    ['a message that mentions a frame header', octets('<13>x: see 12 <13>1 y') + octets(LOGGER_A),
      {messages: ['#' + octets('<13>x: see 12 <13>1 y'), '#' + octets(LOGGER_A)], skipped: []}],
    ['a frame cut short by the end', octets(LOGGER_A) + octets(LOGGER_B).slice(0, 30),
      {messages: ['#' + octets(LOGGER_A), '#' + octets(LOGGER_B).slice(0, 30)], skipped: []}],
    ['a header cut short by the end', octets(LOGGER_A) + '12 <1',
      {messages: ['#' + octets(LOGGER_A)], skipped: ['malformed']}],
  ]
  for (const [name, input, expected] of table) {
    it(`reads ${name}, in every chunking`, () => assertEveryChunking(input, expected))
  }

  it('skips a frame over the limit as too large, and reads on', () => {
    const big = '<13>demo: ' + 'x'.repeat(200)
    assertEveryChunking(octets(big) + octets(LOGGER_A), {messages: ['#' + octets(LOGGER_A)], skipped: ['too_large']}, 100)
  })

  it('waits for the next bytes to trust a frame ending in digits, or for settle()', () => {
    const messages: string[] = []
    const splitter = new SyslogStreamSplitter({message: (unit) => messages.push(unit.toString()), skipped() {}})
    splitter.push(Buffer.from(octets(LOGGER_A) + octets(LOGGER_C)))
    assert.deepEqual(messages, [octets(LOGGER_A)])
    assert.equal(splitter.pendingBytes, Buffer.byteLength(octets(LOGGER_C)))
    splitter.settle()
    assert.deepEqual(messages, [octets(LOGGER_A), octets(LOGGER_C)])
    assert.equal(splitter.pendingBytes, 0)
  })
})

describe('SyslogStreamSplitter: trailers', () => {
  // What Python's SysLogHandler sends over TCP: NUL after each message, LF inside a message.
  const PY_TRACEBACK = '<11>demo: failed\nTraceback (most recent call last):\n  File "x.py", line 1'
  const table: Array<[string, string, Split]> = [
    ['LF', `${LOGGER_A}\n${LOGGER_B}\n`, {messages: [LOGGER_A, LOGGER_B], skipped: []}],
    ['CRLF', `${LOGGER_A}\r\n${LOGGER_B}\r\n`, {messages: [LOGGER_A, LOGGER_B], skipped: []}],
    ['LF, the last message without one', `${LOGGER_A}\n${LOGGER_B}`, {messages: [LOGGER_A, LOGGER_B], skipped: []}],
    ['NUL (Python)', '<12>demo: hi 1\0<12>demo: hi 2\0', {messages: ['<12>demo: hi 1', '<12>demo: hi 2'], skipped: []}],
    ['NUL, a multi-line message first', `${PY_TRACEBACK}\0<12>demo: next\0`, {messages: [PY_TRACEBACK, '<12>demo: next'], skipped: []}],
    ['NUL, a multi-line message later', `<12>demo: first\0${PY_TRACEBACK}\0`, {messages: ['<12>demo: first', PY_TRACEBACK], skipped: []}],
    ['LF with blank lines between', `\n${LOGGER_A}\n\n\r\n${LOGGER_B}\n`, {messages: [LOGGER_A, LOGGER_B], skipped: []}],
    ['LF, a line that is no syslog passed on (for the router to count)', `${LOGGER_A}\nnot syslog\n${LOGGER_B}\n`,
      {messages: [LOGGER_A, 'not syslog', LOGGER_B], skipped: []}],
    ['a line that starts with digits', '12345 not a frame\n<13>demo: x\n', {messages: ['12345 not a frame', '<13>demo: x'], skipped: []}],
  ]
  for (const [name, input, expected] of table) {
    it(`reads ${name}, in every chunking`, () => assertEveryChunking(input, expected))
  }

  // A limit of 100 bytes: LOGGER_A and LOGGER_C are under it.
  const long = (n: number) => '<13>demo: ' + 'x'.repeat(n - 10)
  const limitTable: Array<[string, string, Split]> = [
    ['LF, a message over the limit between two', `${LOGGER_A}\n${long(101)}\n${LOGGER_C}\n`, {messages: [LOGGER_A, LOGGER_C], skipped: ['too_large']}],
    ['LF, the first message over the limit', `${long(150)}\n${LOGGER_A}\n`, {messages: [LOGGER_A], skipped: ['too_large']}],
    ['CRLF, a message at the limit', `${long(100)}\r\n${LOGGER_A}\r\n`, {messages: [long(100), LOGGER_A], skipped: []}],
    ['NUL, a multi-line message over the limit', `<12>demo: hi\0${long(60)}\n${'y'.repeat(60)}\0<12>demo: after\0`,
      {messages: ['<12>demo: hi', '<12>demo: after'], skipped: ['too_large']}],
    ['NUL, a first multi-line message over the limit', `${long(60)}\n${'y'.repeat(60)}\0<12>demo: after\0`, {messages: ['<12>demo: after'], skipped: ['too_large']}],
    ['NUL, a first message whose first line is over the limit', `${long(150)}\nmore\0<12>demo: after\0`, {messages: ['<12>demo: after'], skipped: ['too_large']}],
    ['LF, the last message over the limit and unended', `${LOGGER_A}\n${long(120)}`, {messages: [LOGGER_A], skipped: ['too_large']}],
  ]
  for (const [name, input, expected] of limitTable) {
    it(`reads ${name}, skipping what is over the limit once, in every chunking`, () => assertEveryChunking(input, expected, 100))
  }

  it('holds a first LF-ended message until the next one starts, or settle()', () => {
    const messages: string[] = []
    const splitter = new SyslogStreamSplitter({message: (unit) => messages.push(unit.toString()), skipped() {}})
    splitter.push(Buffer.from(`${LOGGER_A}\n`))
    assert.deepEqual(messages, [])
    splitter.settle()
    assert.deepEqual(messages, [LOGGER_A])
    // Decided: from now on each LF ends a message at once.
    splitter.push(Buffer.from(`${LOGGER_B}\n`))
    assert.deepEqual(messages, [LOGGER_A, LOGGER_B])
  })
})

describe('splitDatagram', () => {
  const table: Array<[string, string, string[]]> = [
    ['one message', LOGGER_A, [LOGGER_A]],
    ['Python\'s, ending with NUL', '<12>demo: hi 1\0', ['<12>demo: hi 1']],
    ['Python\'s multi-line one', '<12>demo: multi\nline\0', ['<12>demo: multi\nline']],
    ['one with LF or CRLF after it', `${LOGGER_A}\r\n`, [LOGGER_A]],
    ['several, one per line', `${LOGGER_A}\n${LOGGER_B}\n${LOGGER_C}`, [LOGGER_A, LOGGER_B, LOGGER_C]],
    ['several, the continuation lines kept with theirs', `<12>a: one\n  two\n\nthree\n<12>b: four\r\n`, ['<12>a: one\n  two\n\nthree', '<12>b: four']],
    ['several ended by NUL', '<12>a: x\0<12>b: y\0', ['<12>a: x', '<12>b: y']],
    ['a line that only looks like PRI continues', '<12>a: x\n<oops> y', ['<12>a: x\n<oops> y']],
    ['nothing but trailers', '\r\n\0', []],
  ]
  for (const [name, datagram, expected] of table) {
    it(`reads ${name}`, () => {
      const messages: string[] = []
      splitDatagram(Buffer.from(datagram, 'latin1'), (unit) => messages.push(unit.toString('latin1')))
      assert.deepEqual(messages, expected)
    })
  }
})
