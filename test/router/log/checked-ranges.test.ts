import assert from 'node:assert/strict'

import {CheckedRanges} from '../../../src/router/log/checked-ranges.js'

describe('CheckedRanges (the bytes of a segment already found whole and checked)', () => {
  const cases: Array<[string, Array<[number, number]>, Array<[number, number]>]> = [
    ['none', [], []],
    ['one', [[10, 20]], [[10, 20]]],
    ['an empty range adds nothing', [[10, 10]], []],
    ['apart, added out of order: kept sorted', [[30, 40], [10, 20]], [[10, 20], [30, 40]]],
    ['touching: merged', [[10, 20], [20, 30]], [[10, 30]]],
    ['overlapping: merged', [[10, 25], [20, 30]], [[10, 30]]],
    ['one spanning several: merged into one', [[10, 20], [30, 40], [50, 60], [15, 55]], [[10, 60]]],
    ['inside another: no change', [[10, 60], [20, 30]], [[10, 60]]],
    ['between two, touching neither', [[10, 20], [50, 60], [30, 40]], [[10, 20], [30, 40], [50, 60]]],
  ]
  for (const [what, added, expected] of cases) {
    it(what, () => assert.deepEqual(new CheckedRanges(added).ranges(), expected))
  }

  it('covers a range only within one checked range', () => {
    const checked = new CheckedRanges([[10, 20], [30, 40]])
    const covered: Array<[number, number, boolean]> = [
      [10, 20, true], [12, 18, true], [30, 40, true], [5, 15, false], [15, 25, false], [18, 32, false], [20, 30, false], [35, 45, false], [40, 50, false], [0, 5, false],
    ]
    for (const [start, end, expected] of covered) assert.equal(checked.covers(start, end), expected, `[${start}, ${end})`)
  })
})
