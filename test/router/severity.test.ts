import assert from 'node:assert/strict'

import type {RecordInit} from '../../src/parse/record.js'
import {logplexMessage, type Outgoing, syslogMessage} from '../../src/router/drains/frames.js'
import {encodeLogMessage, type StreamFormat} from '../../src/router/sessions/event-encoding.js'
import {type LogMessage, toEntry} from '../../src/router/message.js'
import {streamFormat} from '../../src/router/sessions/session-stream.js'

const NOW = Date.UTC(2024, 4, 1, 12)
const PLACE = {dyno: 'web.1', source: 'app'}
const TOKEN = 'd.01234567-89ab-4cde-8f01-23456789abcd'

describe('a message\'s syslog PRI', () => {
  describe('toEntry keeps it, and whether it tells the level', () => {
    const table: Array<[string, Pick<RecordInit, 'host' | 'message' | 'pri' | 'timestamp'>, number | undefined, boolean]> = [
      ['logger -p local0.err', {host: 'myhost', message: 'x', pri: 131}, 131, true],
      ['kern.emerg, PRI 0', {host: 'myhost', message: 'x', pri: 0}, 0, true],
      ['one of Logplex\'s fixed PRIs (190)', {host: 'myhost', message: 'x', pri: 190}, 190, false],
      ['L10\'s 172', {host: 'myhost', message: 'x', pri: 172}, 172, false],
      ['a frame an HTTPS drain stamped (HOSTNAME host)', {host: 'host', message: 'x', pri: 134}, 134, false],
      ['a frame a syslog drain stamped (HOSTNAME the drain token)', {host: TOKEN, message: 'x', pri: 134}, 134, false],
      ['plain text, no PRI', {message: 'x'}, undefined, false],
    ]
    for (const [name, record, pri, priIsLevel] of table) {
      it(name, () => {
        const entry = toEntry(record, PLACE, NOW)
        assert.deepEqual([entry.pri, entry.priIsLevel], [pri, priIsLevel])
      })
    }
  })

  describe('sessions: the PRI field only for the reader that asks, only when it tells the level', () => {
    const message = (line: string, pri: number | undefined, priIsLevel: boolean): LogMessage => ({
      dyno: 'web.1', line, pri, priIsLevel, priority: pri, receivedAt: 0, seq: 7, singleLine: !line.includes('\n'), source: 'app', text: line, timestamp: undefined,
    })
    const table: Array<[string, LogMessage, StreamFormat, string]> = [
      ['plain', message('L', 131, true), 'plain', 'L\n'],
      ['events (the Heroku CLI): as before', message('L', 131, true), 'events', 'id: 7\ndata: L\n\n'],
      ['events with the PRI', message('L', 131, true), 'events-with-pri', 'id: 7\npri: 131\ndata: L\n\n'],
      ['events with the PRI, one that says nothing', message('L', 190, false), 'events-with-pri', 'id: 7\ndata: L\n\n'],
      ['events with the PRI, no PRI', message('L', undefined, false), 'events-with-pri', 'id: 7\ndata: L\n\n'],
      ['a multi-line message: one event', message('L\n  at a\r\n  at b', 131, true), 'events-with-pri', 'id: 7\npri: 131\ndata: L\ndata:   at a\ndata:   at b\n\n'],
      ['a multi-line message in plain text: its lines', message('L\n  at a', 131, true), 'plain', 'L\n  at a\n'],
    ]
    for (const [name, logMessage, format, encoded] of table) it(name, () => assert.equal(encodeLogMessage(logMessage, format), encoded))

    const formats: Array<[Record<string, string>, StreamFormat]> = [
      [{}, 'plain'],
      [{'logsift-message-events': '1'}, 'plain'],
      [{accept: 'text/event-stream'}, 'events'],
      [{accept: 'text/event-stream', 'logsift-message-events': '1'}, 'events-with-pri'],
    ]
    for (const [headers, format] of formats) it(`${JSON.stringify(headers)} reads ${format}`, () => assert.equal(streamFormat(headers), format))
  })

  describe('drains forward it', () => {
    const outgoing = (text: string, pri?: number): Outgoing => ({dyno: 'web.1', line: `2024-05-01T12:00:00Z app[web.1]: ${text}`, pri, source: 'app'})
    const table: Array<[string, Outgoing, string, string]> = [
      ['the sender\'s PRI', outgoing('x', 131), `<131>1 2024-05-01T12:00:00Z ${TOKEN} app web.1 - - x\n`, '<131>1 2024-05-01T12:00:00Z host app web.1 - x\n'],
      ['none: 190, as log-shuttle', outgoing('x'), `<190>1 2024-05-01T12:00:00Z ${TOKEN} app web.1 - - x\n`, '<190>1 2024-05-01T12:00:00Z host app web.1 - x\n'],
      [
        'a multi-line message: its line breaks over syslog, spaces over HTTPS',
        outgoing('E\n  at a\n  at b', 131),
        `<131>1 2024-05-01T12:00:00Z ${TOKEN} app web.1 - - E\n  at a\n  at b\n`,
        '<131>1 2024-05-01T12:00:00Z host app web.1 - E   at a   at b\n',
      ],
    ]
    for (const [name, message, syslog, https] of table) {
      it(name, () => {
        assert.equal(syslogMessage(message, TOKEN), syslog)
        assert.equal(logplexMessage(message), https)
      })
    }
  })
})
