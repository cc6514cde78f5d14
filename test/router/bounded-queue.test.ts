import assert from 'node:assert/strict'

import {BoundedQueue} from '../../src/router/bounded-queue.js'

const contents = (buffer: BoundedQueue<number>) => Array.from({length: buffer.size}, (_, i) => buffer.at(i))

describe('BoundedQueue', () => {
  it('keeps items oldest first until full', () => {
    const buffer = new BoundedQueue<number>(3)
    assert.deepEqual(contents(buffer), [])
    buffer.push(1)
    buffer.push(2)
    assert.deepEqual(contents(buffer), [1, 2])
  })

  it('overwrites the oldest once full, however many times it wraps', () => {
    const buffer = new BoundedQueue<number>(3)
    for (let i = 1; i <= 10; i++) buffer.push(i)
    assert.equal(buffer.size, 3)
    assert.deepEqual(contents(buffer), [8, 9, 10])
  })

  it('holds nothing at capacity 0', () => {
    const buffer = new BoundedQueue<number>(0)
    buffer.push(1)
    assert.equal(buffer.size, 0)
  })
})
