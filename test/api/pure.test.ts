import assert from 'node:assert/strict'

import {deliveryStateCell} from '../../src/api/drain-delivery.js'
import {parseNetrc} from '../../src/api/netrc.js'
import {planLogSession} from '../../src/api/sessions.js'

describe('parseNetrc', () => {
  it('reads machines as heroku login writes them', () => {
    const machines = parseNetrc('machine api.heroku.com\n  login me@example.com\n  password abc\nmachine git.heroku.com\n  login me@example.com\n  password def\n')
    assert.deepEqual(machines.get('api.heroku.com'), {login: 'me@example.com', password: 'abc'})
    assert.deepEqual(machines.get('git.heroku.com'), {login: 'me@example.com', password: 'def'})
  })

  it('takes tokens across lines, skips comments and macros, keeps the first of a host, and default', () => {
    const machines = parseNetrc(
      '# mine\nmachine a.example.com login x password one\nmacdef init\nmachine b.example.com password no\n\nmachine\nb.example.com password two account z\nmachine a.example.com password later\ndefault login anon password guest\n',
    )
    assert.deepEqual(machines.get('a.example.com'), {login: 'x', password: 'one'})
    assert.deepEqual(machines.get('b.example.com'), {password: 'two'})
    assert.deepEqual(machines.get(''), {login: 'anon', password: 'guest'})
  })
})

describe('planLogSession', () => {
  it('asks the server for -n lines when it can apply every filter', () => {
    assert.deepEqual(planLogSession({otherFilters: false}), {last: 100, request: {lines: 100}})
    assert.deepEqual(planLogSession({dyno: ['web'], num: 20, otherFilters: false, source: ['app']}), {last: 20, request: {dyno: 'web', lines: 20, source: 'app'}})
    assert.deepEqual(planLogSession({num: 5000, otherFilters: false}), {last: 5000, request: {lines: 1500}})
    assert.deepEqual(planLogSession({num: 0, otherFilters: false}), {last: 0, request: {lines: 1}})
  })

  it('asks for all the server keeps when filtering locally, so -n counts after filtering', () => {
    assert.deepEqual(planLogSession({num: 5, otherFilters: true}), {last: 5, request: {lines: 1500}})
    assert.deepEqual(planLogSession({dyno: ['web'], num: 5, otherFilters: true}), {last: 5, request: {dyno: 'web', lines: 1500}})
    assert.deepEqual(planLogSession({dyno: ['!router'], num: 5, otherFilters: false}), {last: 5, request: {lines: 1500}})
    assert.deepEqual(planLogSession({dyno: ['web,worker'], otherFilters: false}), {last: 100, request: {lines: 1500}})
    assert.deepEqual(planLogSession({otherFilters: false, source: ['app', 'heroku']}), {last: 100, request: {lines: 1500}})
  })
})

describe('deliveryStateCell', () => {
  it('shows the state of a drain delivered here, and names the node of one delivered elsewhere instead of idle', () => {
    const table: Array<[Parameters<typeof deliveryStateCell>[0], string]> = [
      [{state: 'connected'}, 'connected'],
      [{delivered_here: true, node: 'n1', state: 'retrying'}, 'retrying'],
      [{delivered_here: false, node: 'n2', state: 'idle'}, 'on n2'],
      [{delivered_here: false, node: null, state: 'idle'}, 'no node'],
    ]
    for (const [delivery, cell] of table) assert.equal(deliveryStateCell(delivery), cell, JSON.stringify(delivery))
  })
})
