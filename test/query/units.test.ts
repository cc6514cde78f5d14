import assert from 'node:assert/strict'

import {magnitude, measureIn, parseQuantity, type Quantity} from '../../src/query/units.js'

const KIB = 1024
const MIB = 1024 ** 2
const GIB = 1024 ** 3

describe('parseQuantity', () => {
  const rows: Array<[string, Quantity]> = [
    ['23ms', {value: 23, dimension: 'time', unit: 'ms'}],
    ['30001ms', {value: 30_001, dimension: 'time', unit: 'ms'}],
    ['1.5s', {value: 1500, dimension: 'time', unit: 's'}],
    ['500us', {value: 0.5, dimension: 'time', unit: 'us'}],
    ['500\u00B5s', {value: 0.5, dimension: 'time', unit: '\u00B5s'}],
    ['500\u03BCs', {value: 0.5, dimension: 'time', unit: '\u03BCs'}],
    ['2m', {value: 120_000, dimension: 'time', unit: 'm'}],
    ['2min', {value: 120_000, dimension: 'time', unit: 'min'}],
    ['1h', {value: 3_600_000, dimension: 'time', unit: 'h'}],
    ['5898', {value: 5898, dimension: 'count', unit: ''}],
    ['0.01', {value: 0.01, dimension: 'count', unit: ''}],
    ['0', {value: 0, dimension: 'count', unit: ''}],
    ['-1.5s', {value: -1500, dimension: 'time', unit: 's'}],
    ['+2s', {value: 2000, dimension: 'time', unit: 's'}],
    ['.5s', {value: 500, dimension: 'time', unit: 's'}],
    ['5.s', {value: 5000, dimension: 'time', unit: 's'}],
    ['1e3ms', {value: 1000, dimension: 'time', unit: 'ms'}],
    ['1E-3s', {value: 1, dimension: 'time', unit: 's'}],
    ['1B', {value: 1, dimension: 'bytes', unit: 'B'}],
    ['1288490189bytes', {value: 1_288_490_189, dimension: 'bytes', unit: 'bytes'}],
    ['1kB', {value: KIB, dimension: 'bytes', unit: 'kB'}],
    ['1KB', {value: KIB, dimension: 'bytes', unit: 'KB'}],
    ['1KiB', {value: KIB, dimension: 'bytes', unit: 'KiB'}],
    ['211.32MB', {value: 211.32 * MIB, dimension: 'bytes', unit: 'MB'}],
    ['1MiB', {value: MIB, dimension: 'bytes', unit: 'MiB'}],
    ['1GB', {value: GIB, dimension: 'bytes', unit: 'GB'}],
    ['1GiB', {value: GIB, dimension: 'bytes', unit: 'GiB'}],
    ['1TB', {value: 1024 ** 4, dimension: 'bytes', unit: 'TB'}],
    ['1TiB', {value: 1024 ** 4, dimension: 'bytes', unit: 'TiB'}],
    ['27582pages', {value: 27_582, dimension: 'count', unit: 'pages'}],
  ]

  for (const [text, expected] of rows) {
    it(`reads ${text}`, () => assert.deepEqual(parseQuantity(text), expected))
  }

  for (const text of ['', 'ms', 'abc', '-', '.', '.s', '1.2.3', '5 MB', ' 5', '5 ', '5mb', '5Mb', '5b', '5ns', '5d', '1e', '1e+', 'NaN', 'Infinity', '0x10', '12req', '1,000']) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.equal(parseQuantity(text), undefined))
  }
})

describe('measureIn', () => {
  const rows: Array<[string, Parameters<typeof measureIn>[1], number]> = [
    ['1.2s', 'time', 1200],
    ['250', 'time', 250],
    ['5898', 'bytes', 5898],
    ['4045572kB', 'bytes', 4_045_572 * KIB],
    ['12pages', 'count', 12],
    ['12', 'count', 12],
  ]
  for (const [text, dimension, expected] of rows) {
    it(`reads ${text} as ${expected} in ${dimension}`, () => assert.equal(measureIn(text, dimension), expected))
  }

  for (const [text, dimension] of [['23ms', 'bytes'], ['1MB', 'time'], ['12pages', 'bytes'], ['', 'time'], ['fast', 'time'], ['5parsecs', 'time']] as const) {
    it(`gives NaN for ${JSON.stringify(text)} in ${dimension}`, () => assert.ok(Number.isNaN(measureIn(text, dimension))))
  }
})

describe('magnitude', () => {
  for (const [text, expected] of [['1.5s', 1.5], ['23ms', 23], ['211.32MB', 211.32], ['7', 7], ['27582pages', 27_582]] as const) {
    it(`reads ${text} as ${expected}`, () => assert.equal(magnitude(text), expected))
  }

  for (const text of ['', 'fast', '5parsecs', '-']) {
    it(`gives NaN for ${JSON.stringify(text)}`, () => assert.ok(Number.isNaN(magnitude(text))))
  }
})
