import assert from 'node:assert/strict'

import {backoffDelay} from '../../src/router/drains/backoff.js'
import {drainCursorNames, frameId} from '../../src/router/drains/delivery.js'
import {logplexMessage, octetCounted, overflowNotice, syslogMessage} from '../../src/router/drains/frames.js'
import {BoundedQueue} from '../../src/router/bounded-queue.js'
import {redactUrl} from '../../src/router/drains/redact.js'
import {parseAllowEntry} from '../../src/router/ingest/receiver-auth.js'

const TOKEN = 'd.01234567-89ab-4cde-8f01-23456789abcd'

describe('drain frames', () => {
  const message = {dyno: 'web.1', line: '2024-05-01T12:00:00.123456+00:00 app[web.1]: hello ]: world', source: 'app'}

  it('writes syslog drain messages with the drain token as HOSTNAME and SD -', () => {
    assert.equal(syslogMessage(message, TOKEN), `<190>1 2024-05-01T12:00:00.123456+00:00 ${TOKEN} app web.1 - - hello ]: world\n`)
  })

  it('writes HTTPS drain messages with HOSTNAME host and no structured data, one line each', () => {
    assert.equal(logplexMessage(message), '<190>1 2024-05-01T12:00:00.123456+00:00 host app web.1 - hello ]: world\n')
    const broken = {dyno: 'router', line: '2024-05-01T12:00:00Z heroku[router]: a\r\nb\nc\rd', source: 'heroku'}
    assert.equal(logplexMessage(broken), '<190>1 2024-05-01T12:00:00Z host heroku router - a b c d\n')
  })

  it('counts octets, not characters', () => {
    assert.equal(octetCounted(['é\n', 'ab\n']).toString(), '3 é\n3 ab\n')
  })

  it('writes the L10 line as Logplex does, at priority 172', () => {
    const notice = overflowNotice(15, Date.UTC(2024, 4, 1, 12), Date.UTC(2024, 4, 1, 12, 0, 1))
    assert.equal(logplexMessage(notice), '<172>1 2024-05-01T12:00:01.000000+00:00 host heroku logplex - Error L10 (output buffer overflow): 15 messages dropped since 2024-05-01T12:00:00.000000+00:00.\n')
  })
})

describe('drain frame ids and cursors', () => {
  const drain = '8f14e45f-ceea-467f-a0e6-7a8d1c2b3f40'

  it('derives the same 32-hex frame id from the same drain, first offset and count, and another from any other', () => {
    const id = frameId(drain, 1001, 250)
    assert.match(id, /^[\da-f]{32}$/)
    assert.equal(frameId(drain, 1001, 250), id)
    const others = [frameId(drain, 1001, 251), frameId(drain, 1000, 250), frameId('0' + drain.slice(1), 1001, 250), frameId(drain, 10_012, 50)]
    assert.equal(new Set([id, ...others]).size, 5)
  })

  it('names a drain\'s position, the end of its batch in flight and its counts in its app\'s log', () => {
    assert.deepEqual(drainCursorNames(drain), {frameEnd: `drain:${drain}:frame-end`, position: `drain:${drain}`, state: `drain:${drain}`})
  })
})

describe('drain backoff', () => {
  const options = {baseMs: 100, capMs: 1000}
  const table: Array<[number, number, number]> = [[0, 0, 50], [0, 1, 100], [1, 0, 100], [3, 1, 800], [4, 0, 500], [10, 1, 1000], [50, 1, 1000]]
  for (const [attempt, random, delay] of table) {
    it(`attempt ${attempt} with random ${random} waits ${delay} ms`, () => {
      assert.equal(backoffDelay(attempt, options, () => random), delay)
    })
  }
})

describe('BoundedQueue', () => {
  it('evicts the oldest when full and says so', () => {
    const queue = new BoundedQueue<number>(3)
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => queue.push(n)), [false, false, false, true, true])
    assert.equal(queue.peek(), 3)
    assert.equal(queue.shift(), 3)
    queue.push(6)
    assert.deepEqual(queue.drain(), [4, 5, 6])
    assert.equal(queue.size, 0)
  })
})

describe('redactUrl', () => {
  const table: Array<[string, string]> = [
    ['https://user:secret@example.com/x', 'https://user:****@example.com/x'],
    ['https://INGEST_TOKEN@cloud.example.com/api/v1/ingest/logplex', 'https://****@cloud.example.com/api/v1/ingest/logplex'],
    ['https://user:@example.com', 'https://user:@example.com'],
    ['https://:token@host.example.com', 'https://:****@host.example.com'],
    ['https://user:s3cr3t@collector.example.com/heroku?x=1', 'https://user:****@collector.example.com/heroku?x=1'],
    ['https://u:p@ss@host.example.com/a@b', 'https://u:****@host.example.com/a@b'],
    ['https://host.example.com/path?user=a:b@c', 'https://host.example.com/path?user=a:b@c'],
    ['syslog+tls://logs.example.com:6514', 'syslog+tls://logs.example.com:6514'],
    ['https://example.com/path?q=a@b', 'https://example.com/path?q=a@b'],
  ]
  for (const [url, shown] of table) it(`${url} → ${shown}`, () => assert.equal(redactUrl(url), shown))
})

describe('parseAllowEntry', () => {
  it('takes APP=d.TOKEN and APP=USER:PASSWORD', () => {
    assert.deepEqual(parseAllowEntry(`demo=${TOKEN}`), {app: 'demo', drainToken: TOKEN})
    assert.deepEqual(parseAllowEntry('demo=heroku:pa:ss'), {app: 'demo', password: 'pa:ss', user: 'heroku'})
  })

  it('refuses anything else without echoing a password', () => {
    assert.throws(() => parseAllowEntry('demo'), /must be APP=d\.TOKEN or APP=USER:PASSWORD/)
    assert.throws(() => parseAllowEntry('=x:y'), (error: Error) => !error.message.includes('y'))
  })
})
