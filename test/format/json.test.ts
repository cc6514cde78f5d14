import assert from 'node:assert/strict'

import {formatJson} from '../../src/format/json.js'
import {heroku, syslog, text} from './records.js'

const TS = '2024-05-01T12:00:00.123456+00:00'
const KEYS = ['timestamp', 'source', 'dyno', 'level', 'message', 'fields']

describe('formatJson', () => {
  it('writes a JSON app line with its keys in order and its values typed', () => {
    const message = '{"level":"error","msg":"payment declined","user_id":3045,"duration_ms":33.5,"ok":false,"tags":["a",1],"err":{"type":"TimeoutError","code":null}}'
    const out = formatJson(heroku(`${TS} app[web.2]: ${message}`))
    const parsed = JSON.parse(out)
    assert.deepEqual(Object.keys(parsed), KEYS)
    assert.deepEqual(parsed, {
      dyno: 'web.2',
      fields: {duration_ms: 33.5, err: {code: null, type: 'TimeoutError'}, level: 'error', msg: 'payment declined', ok: false, tags: ['a', 1], user_id: 3045},
      level: 'error',
      message,
      source: 'app',
      timestamp: TS,
    })
  })

  it('writes a router line as one exact line', () => {
    const message = 'at=error code=H12 desc="Request timeout" method=GET path="/" dyno=web.1 connect=0ms service=30001ms status=503'
    assert.equal(formatJson(heroku(`${TS} heroku[router]: ${message}`)),
      `{"timestamp":"${TS}","source":"heroku","dyno":"router","level":"error","message":${JSON.stringify(message)},`
      + '"fields":{"at":"error","code":"H12","desc":"Request timeout","method":"GET","path":"/","dyno":"web.1","connect":"0ms","service":"30001ms","status":"503"}}')
  })

  it('writes null for what a text record lacks', () => {
    const parsed = JSON.parse(formatJson(text('just "quoted" words\twith a tab')))
    assert.deepEqual(Object.keys(parsed), KEYS)
    assert.equal(parsed.timestamp, null)
    assert.equal(parsed.source, null)
    assert.equal(parsed.dyno, null)
    assert.equal(parsed.message, 'just "quoted" words\twith a tab')
    assert.equal(typeof parsed.level, 'string')
    assert.equal(typeof parsed.fields, 'object')
  })

  it('adds host, last, for syslog records only', () => {
    const parsed = JSON.parse(formatJson(syslog({dyno: 'web.1', host: 'd.0123-abcd', message: 'hi', source: 'app', timestamp: TS})))
    assert.deepEqual(Object.keys(parsed), [...KEYS, 'host'])
    assert.equal(parsed.host, 'd.0123-abcd')
    assert.deepEqual(Object.keys(JSON.parse(formatJson(syslog({message: 'no host'})))), [...KEYS, 'host'])
    assert.equal(JSON.parse(formatJson(syslog({message: 'no host'}))).host, null)
  })

  it('writes one line even when the message holds control characters', () => {
    const out = formatJson(text('bell \u0007 and escape \u001b[31m'))
    assert.ok(!/[\n\r\u0007\u001b]/.test(out))
    assert.equal(JSON.parse(out).message, 'bell \u0007 and escape \u001b[31m')
  })
})
