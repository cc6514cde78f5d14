import assert from 'node:assert/strict'

import {parseTimestamp} from '../../../src/parse/timestamp.js'
import {offsetStart, OwnTimeSpan} from '../../../src/router/log/own-time-span.js'

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0)

function spanOf(messages: Array<[string | undefined, number]>): {earliest: number; latest: number} {
  const span = new OwnTimeSpan()
  for (const [timestamp, receivedAt] of messages) span.add(timestamp, receivedAt)
  return span.span()
}

describe('OwnTimeSpan (a sealed segment\'s own-time span, computed without parsing most timestamps)', () => {
  const at = (timestamp: string) => parseTimestamp(timestamp)
  const table: Array<{name: string; messages: Array<[string | undefined, number]>; earliest: number; latest: number}> = [
    {
      earliest: at('2024-05-01T11:59:58.000001+00:00'), latest: at('2024-05-01T12:00:03.5+00:00'),
      messages: [['2024-05-01T12:00:00.002356+00:00', T0], ['2024-05-01T11:59:58.000001+00:00', T0], ['2024-05-01T12:00:01.999999+00:00', T0], ['2024-05-01T12:00:03.5+00:00', T0]],
      name: 'Heroku timestamps out of order, with fractions of two lengths',
    },
    {
      earliest: at('2024-05-01T12:30:00+02:00'), latest: at('2024-05-01T12:00:00.010Z'),
      messages: [['2024-05-01T12:00:00.010Z', T0], ['2024-05-01T13:00:00+02:00', T0], ['2024-05-01T12:30:00+02:00', T0]],
      name: 'offsets: each its own shape, compared in time, not as strings (13:00+02:00 is before 12:00Z)',
    },
    {
      earliest: T0 - 5000, latest: T0 + 7000,
      messages: [[undefined, T0 + 7000], ['Dec  1 09:00:00', T0 - 5000], ['2024-05-01T12:00:01Z', T0]],
      name: 'no timestamp or a BSD one: the receive time',
    },
    {
      earliest: T0, latest: T0 + 12 * 3_600_000,
      messages: [['2024-05-01T12:00:00Z', T0], ['2024-05-01T25:00:00Z', 0], ['2024-05-02T00:00:00Z', T0]],
      name: 'a timestamp that does not parse inside a shape matches no window: left out',
    },
    {
      earliest: Number.NEGATIVE_INFINITY, latest: Number.POSITIVE_INFINITY,
      messages: [['2024-05-01T12:00:00Z', T0], ['2024-05-01T12:00:61Z', 0]],
      name: 'one that does not parse at a shape\'s end: unbounded, never a segment skipped wrongly',
    },
    {
      earliest: T0 + 9 - 9 * 3_600_000, latest: T0,
      messages: Array.from({length: 10}, (_, i): [string, number] => [`2024-05-01T12:00:00.00${i}+0${i}:00`, T0]),
      name: 'more shapes than it keeps apart: the rest parsed one by one',
    },
    {
      earliest: at('2024-05-01T11:50:00.0+03:00'), latest: at('2024-05-01T11:30:00.0+01:00'),
      messages: [['2024-05-01T11:45:00.1234:00', T0 - 7_200_000], ['2024-05-01T12:00:00.0+02:00', T0], ['2024-05-01T11:30:00.0+01:00', T0], ['2024-05-01T11:50:00.0+03:00', T0]],
      name: 'a first timestamp that is not RFC 3339 makes no shape: its tail (:00) would have grouped three offsets',
    },
    {
      earliest: at('2024-05-01t11:00:00Z'), latest: at('2024-05-01T12:00:00Z'),
      messages: [['2024-05-01T12:00:00Z', T0], ['2024-05-01t11:00:00Z', T0]],
      name: 'a lowercase t (which parses, and sorts after T as a string) is parsed, not ordered',
    },
    {earliest: Number.POSITIVE_INFINITY, latest: Number.NEGATIVE_INFINITY, messages: [], name: 'nothing'},
  ]
  for (const {earliest, latest, messages, name} of table) {
    it(name, () => {
      assert.deepEqual(spanOf(messages), {earliest, latest})
      // Whatever parses is inside the span, as parsing every timestamp would find.
      for (const [timestamp, receivedAt] of messages) {
        const own = timestamp === undefined || !/^\d/.test(timestamp) ? receivedAt : at(timestamp)
        if (!Number.isNaN(own)) assert.ok(own >= earliest && own <= latest, `${timestamp} in the span`)
      }
    })
  }

  it('finds where the offset starts, or -1 for what is not of the shape', () => {
    const cases: Array<[string, number]> = [
      ['2024-05-01T12:00:00.002356+00:00', 26], ['2024-05-01T12:00:00Z', 19], ['2024-05-01T12:00:00.5Z', 21],
      ['2024-05-01T12:00:00', -1], ['2024-05-01T12:00:00.Z', -1], ['2024-05-01 12:00:00Z', -1], ['2024-5-01T12:00:00Z', -1], ['Dec  1 09:00:00 2024Z', -1],
    ]
    for (const [timestamp, start] of cases) assert.equal(offsetStart(timestamp), start, timestamp)
  })
})
