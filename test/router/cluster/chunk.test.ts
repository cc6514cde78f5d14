import assert from 'node:assert/strict'

import {chunkPayload, decodeChunk, encodeMessage, nameToken, tokenName} from '../../../src/router/cluster/chunk.js'

describe('JetStream chunk encoding', () => {
  const names: Array<[string, string]> = [
    ['web', 'web'],
    ['my-app_2', 'my-app_2'],
    ['a.b', 'a=2eb'],
    ['*>', '=2a=3e'],
    ['drain 1', 'drain=201'],
    ['é', '=c3=a9'],
    ['=', '=3d'],
  ]
  for (const [name, token] of names) {
    it(`writes ${JSON.stringify(name)} as the subject token ${token} and reads it back`, () => {
      assert.equal(nameToken(name), token)
      assert.equal(tokenName(token), name)
    })
  }

  it('refuses an empty name', () => {
    assert.throws(() => nameToken(''), RangeError)
  })

  it('numbers a chunk\'s messages from its first offset, with optional fields absent when not given', () => {
    const payload = chunkPayload([
      encodeMessage({dyno: 'web.1', priority: 190, receivedAt: 5, source: 'app', text: 'a\nb', timestamp: '2026-12-01T09:00:00Z'}),
      encodeMessage({dyno: 'router', receivedAt: 6, source: 'heroku', text: '日本'}),
    ])
    assert.deepEqual(decodeChunk(payload, 41), [
      {dyno: 'web.1', offset: 41, priority: 190, receivedAt: 5, source: 'app', text: 'a\nb', timestamp: '2026-12-01T09:00:00Z'},
      {dyno: 'router', offset: 42, receivedAt: 6, source: 'heroku', text: '日本'},
    ])
    assert.deepEqual(decodeChunk(new Uint8Array(0), 43), [])
  })
})
