import assert from 'node:assert/strict'

import {PlatformApi} from '../../src/api/client.js'
import {ApiError} from '../../src/api/errors.js'
import {withAppCreatedOnFirstUse} from '../../src/api/first-use.js'
import {closeHttp} from '../../src/api/http.js'
import {fakePlatform} from './helpers.js'

describe('creating an app on first use', () => {
  const platform = fakePlatform()
  after(() => closeHttp())

  const api = (local: boolean) => new PlatformApi({key: {from: 'test', key: platform.key}, local, searched: [], url: platform.url})

  it("creates an unknown app on logsift's router, then does what was asked", async () => {
    const created: string[] = []
    const local = api(true)
    const drains = await withAppCreatedOnFirstUse(local, 'first', () => local.drains('first'), (app) => created.push(app.name))
    assert.deepEqual([drains, created], [[], ['first']])
  })

  it('never creates one on another API (Heroku): its not_found is the answer', async () => {
    const remote = api(false)
    const seen = platform.calls().length
    await assert.rejects(
      withAppCreatedOnFirstUse(remote, 'second', () => remote.drains('second'), () => assert.fail('created')),
      (error: unknown) => error instanceof ApiError && error.id === 'not_found' && error.status === 404,
    )
    assert.deepEqual(platform.calls().slice(seen), ['GET /apps/second/log-drains'])
  })

  it('does not create an app that exists when something else was not found', async () => {
    platform.createApp('third')
    const local = api(true)
    await assert.rejects(
      withAppCreatedOnFirstUse(local, 'third', () => local.removeDrain('third', 'syslog://nowhere.example.com'), () => assert.fail('created')),
      /Couldn't find that drain\./,
    )
  })
})
