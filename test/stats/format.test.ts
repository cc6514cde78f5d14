import assert from 'node:assert/strict'

import {ProgressBar, progressLine} from '../../src/stats/progress.js'
import {renderTable} from '../../src/stats/table.js'
import {formatBytes, formatCount, formatMs, formatQuantity, formatRate, formatSpan} from '../../src/stats/units-format.js'

describe('stats number formats', () => {
  const rows: Array<[string, string]> = [
    [formatCount(1_234_567), '1,234,567'],
    [formatMs(0.4), '0.4ms'],
    [formatMs(23), '23ms'],
    [formatMs(999.6), '1000ms'],
    [formatMs(1250), '1.25s'],
    [formatMs(30_000), '30s'],
    [formatMs(150_000), '2.5m'],
    [formatMs(704_526_000), '195.7h'],
    [formatBytes(512), '512B'],
    [formatBytes(4608), '4.5kB'],
    [formatBytes(221_584_671), '211.3MB'],
    [formatQuantity(12.5, 'count'), '12.5'],
    [formatQuantity(1500, 'time'), '1.5s'],
    [formatSpan(0.218), '0.218s'],
    [formatSpan(2000.016), '33m 20s'],
    [formatSpan(3 * 3600 + 125), '3h 2m'],
    [formatSpan(2 * 86_400 + 4 * 3600), '2d 4h'],
    [formatRate(972.477), '972.5/s'],
    [formatRate(1), '1/s'],
    [formatRate(0.108), '6.48/min'],
    [formatRate(0.000436), '1.57/h'],
    [formatRate(0.00000579), '0.5/d'],
    [formatRate(0), '0/s'],
  ]
  for (const [actual, expected] of rows) it(expected, () => assert.equal(actual, expected))
})

describe('renderTable', () => {
  it('pads columns, first left and numbers right, with no trailing spaces', () => {
    assert.deepEqual(renderTable([['', 'p50', 'max'], ['connect', '1ms', '2ms'], ['service', '87ms', '55.45s']]), [
      '            p50     max',
      '  connect   1ms     2ms',
      '  service  87ms  55.45s',
    ])
  })

  it('styles a cell after padding, so colour codes do not shift columns', () => {
    const red = (text: string) => `<${text}>`
    assert.deepEqual(renderTable([[{style: red, text: 'H12'}, 'x'], ['R14XX', 'yy']], 0, 'll'), ['<H12  >  x', 'R14XX  yy'])
  })
})

describe('progressLine', () => {
  it('shows the fraction read as a bar, a percentage and sizes', () => {
    assert.equal(progressLine(0, 100 * 1024 * 1024), `[${'░'.repeat(30)}]   0%  0B of 100MB`)
    assert.equal(progressLine(45 * 1024 * 1024, 100 * 1024 * 1024), `[${'█'.repeat(14)}${'░'.repeat(16)}]  45%  45MB of 100MB`)
    assert.equal(progressLine(200, 100), `[${'█'.repeat(30)}] 100%  200B of 100B`)
  })
})

describe('ProgressBar', () => {
  it('redraws at most every 100 ms and erases itself when done', () => {
    const written: string[] = []
    let now = 1000
    const stream = {write: (text: string) => written.push(text)} as unknown as NodeJS.WriteStream
    const progress = new ProgressBar(stream, 100, () => now)
    progress.add(10)
    now += 50
    progress.add(10)
    now += 50
    progress.add(30)
    progress.done()
    assert.deepEqual(written, [`\r${progressLine(10, 100)}`, `\r${progressLine(50, 100)}`, '\r\u001B[K'])
  })

  it('writes nothing when it never drew', () => {
    const written: string[] = []
    const stream = {write: (text: string) => written.push(text)} as unknown as NodeJS.WriteStream
    new ProgressBar(stream, 100, () => 0).done()
    assert.deepEqual(written, [])
  })
})
