import assert from 'node:assert/strict'

import {settlesWithin} from '../../src/router/settles-within.js'

describe('settlesWithin (a stopping router\'s grace for a step)', () => {
  it('says true for work that resolves or rejects in time, false for work that does not', async () => {
    assert.equal(await settlesWithin(Promise.resolve('done'), 50), true)
    assert.equal(await settlesWithin(Promise.reject(new Error('failed')), 50), true)
    assert.equal(await settlesWithin(new Promise((resolve) => setTimeout(resolve, 10)), 1000), true)
    const never = new Promise(() => {})
    const startedAt = Date.now()
    assert.equal(await settlesWithin(never, 100), false)
    assert.ok(Date.now() - startedAt >= 90, 'waited its grace')
  })
})
