import assert from 'node:assert/strict'
import {Chalk} from 'chalk'

import {bar, durationLabel, renderTimeChart, sparkline} from '../../src/stats/chart.js'

const plain = new Chalk({level: 0})
const colour = new Chalk({level: 1})
const MINUTE = 60_000
const START = Date.UTC(2024, 4, 1, 12, 0)

describe('sparkline', () => {
  it('scales to the maximum, a gap for zero, at least the lowest block for any event', () => {
    assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7, 8], 8, plain), ' ▁▂▃▄▅▆▇█')
    assert.equal(sparkline([1, 100, 50], 100, plain), '▁█▄')
    assert.equal(sparkline([0, 0], 0, plain), '  ')
    assert.equal(sparkline([], 10, plain), '')
  })

  it('is cyan on a colour terminal, and nothing else changes', () => {
    assert.equal(sparkline([1, 2], 2, colour), '\u001B[36m▄█\u001B[39m')
  })
})

describe('bar', () => {
  it('grows in eighths of a cell', () => {
    assert.equal(bar(10, 10, 4), '████')
    assert.equal(bar(5, 10, 4), '██')
    assert.equal(bar(1, 10, 4), '▍')
    assert.equal(bar(1, 1000, 4), '▏')
    assert.equal(bar(0, 10, 4), '')
  })
})

describe('renderTimeChart', () => {
  const buckets = [3, 0, 6, 12].map((count, i) => ({count, start: START + i * MINUTE}))

  it('labels each row with its start and closes with the scale', () => {
    assert.deepEqual(renderTimeChart(buckets, {columns: 2, intervalMs: MINUTE, maxRows: 10}, plain), [
      '2024-05-01 12:00 ▂ ',
      '2024-05-01 12:02 ▄█',
      'one column = 1m; █ = 12',
    ])
  })

  it('merges buckets to fit the rows, and says so in the scale', () => {
    assert.deepEqual(renderTimeChart(buckets, {columns: 2, intervalMs: MINUTE, maxRows: 1}, plain), [
      '2024-05-01 12:00 ▂█',
      'one column = 2m; █ = 18',
    ])
  })

  it('dims labels and colours the line on a terminal', () => {
    assert.deepEqual(renderTimeChart(buckets.slice(0, 1), {columns: 60, intervalMs: 5 * MINUTE, maxRows: 10}, colour), [
      '\u001B[2m2024-05-01 12:00\u001B[22m \u001B[36m█\u001B[39m',
      '\u001B[2mone column = 5m; █ = 3\u001B[22m',
    ])
  })

  it('gives row starts to the second when columns are narrower than a minute', () => {
    const seconds = [1, 2, 3].map((count, i) => ({count, start: START + 35_000 + i * 5000}))
    assert.deepEqual(renderTimeChart(seconds, {columns: 2, intervalMs: 5000, maxRows: 10}, plain), [
      '2024-05-01 12:00:35 ▃▆',
      '2024-05-01 12:00:45 █',
      'one column = 5s; █ = 3',
    ])
  })

  it('prints nothing without buckets', () => {
    assert.deepEqual(renderTimeChart([], {columns: 60, intervalMs: MINUTE, maxRows: 10}, plain), [])
  })
})

describe('durationLabel', () => {
  for (const [ms, label] of [[45_000, '45s'], [60_000, '1m'], [300_000, '5m'], [3_600_000, '1h'], [9_000_000, '2h 30m'], [86_400_000, '1d'], [108_000_000, '1d 6h']] as const) {
    it(`${ms} ms → ${label}`, () => assert.equal(durationLabel(ms), label))
  }
})
