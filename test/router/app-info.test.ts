import assert from 'node:assert/strict'

import {dynosSeen} from '../../src/router/api/app-info.js'
import {BoundedQueue} from '../../src/router/bounded-queue.js'
import type {LogMessage} from '../../src/router/message.js'
import {call, createApp, testRouter} from './helpers.js'

function recent(...placements: Array<[string, string]>): BoundedQueue<LogMessage> {
  const queue = new BoundedQueue<LogMessage>(10)
  for (const [seq, [source, dyno]] of placements.entries()) queue.push({dyno, line: '', pri: undefined, priIsLevel: false, priority: undefined, receivedAt: 0, seq, singleLine: true, source, text: '', timestamp: undefined})
  return queue
}

describe('what the Heroku CLI reads besides logs and drains', () => {
  it('lists each dyno the recent messages came from once, by name, leaving out Heroku\'s own sources', () => {
    const app = {id: 'id', name: 'demo'}
    const cases: Array<[BoundedQueue<LogMessage>, string[][]]> = [
      [recent(), []],
      [recent(['app', 'web.2'], ['app', 'web.1'], ['app', 'web.2']), [['web.1', 'web'], ['web.2', 'web']]],
      [recent(['heroku', 'router'], ['heroku', 'api'], ['app', 'run.1234']), [['run.1234', 'run']]],
      [recent(['worker', 'worker.1'], ['app', 'release']), [['release', 'release'], ['worker.1', 'worker']]],
    ]
    for (const [messages, expected] of cases) {
      assert.deepEqual(dynosSeen(app, messages), expected.map(([name, type]) => ({app, name, type})))
    }
  })

  it('answers add-ons, collaborators and pipeline couplings per app, 404 for an unknown app, and only to GET', async () => {
    const router = await testRouter()
    await createApp(router, 'demo')
    assert.deepEqual((await call(router, 'GET', '/apps/demo/addons')).json, [])
    assert.deepEqual((await call(router, 'GET', '/apps/demo/collaborators')).json, [])
    assert.deepEqual((await call(router, 'GET', '/apps/demo/pipeline-couplings')).json, {id: 'not_found', message: 'demo is in no pipeline; the router has none.'})
    assert.equal((await call(router, 'GET', '/apps/nope/dynos')).json.message, "Couldn't find that app.")
    assert.equal((await call(router, 'POST', '/apps/demo/addons', {body: {}})).status, 405)
    assert.equal((await call(router, 'GET', '/account', {key: 'wrong'})).status, 401)
  })
})
