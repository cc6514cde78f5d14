import assert from 'node:assert/strict'

import {parseFrame, parseLine} from '../../src/parse/line.js'
import type {LogRecord, RecordInit} from '../../src/parse/record.js'
import {parseSyslog} from '../../src/parse/rfc5424.js'

function shape(record: LogRecord): RecordInit {
  const {dyno, format, host, message, pri, source, timestamp} = record
  return {dyno, format, host, message, pri, source, timestamp}
}

function syslog(init: Omit<RecordInit, 'format'>): RecordInit {
  return {dyno: undefined, format: 'syslog', host: undefined, pri: undefined, source: undefined, timestamp: undefined, ...init}
}

function text(message: string): RecordInit {
  return {dyno: undefined, format: 'text', host: undefined, message, pri: undefined, source: undefined, timestamp: undefined}
}

/** An octet-counted frame around `message` (which should end with its newline). */
function frame(message: string): Buffer {
  return Buffer.from(`${Buffer.byteLength(message)} ${message}`)
}

const TS = '2024-05-01T12:00:00.123456+00:00'
const TOKEN = 'd.00000000-0000-0000-0000-000000000000'

describe('RFC 5424', () => {
  const table: Array<[string, string, RecordInit]> = [
    ['an HTTPS drain body line (no SD)', `<190>1 ${TS} host app web.1 - hello world`,
      syslog({dyno: 'web.1', host: 'host', message: 'hello world', pri: 190, source: 'app', timestamp: TS})],
    ['a syslog drain line (SD `-`)', `<190>1 ${TS} ${TOKEN} app web.1 - - hello world`,
      syslog({dyno: 'web.1', host: TOKEN, message: 'hello world', pri: 190, source: 'app', timestamp: TS})],
    ['an empty message', `<190>1 ${TS} host app web.1 -`,
      syslog({dyno: 'web.1', host: 'host', message: '', pri: 190, source: 'app', timestamp: TS})],
    ['an empty message after SD', `<190>1 ${TS} host app web.1 - -`,
      syslog({dyno: 'web.1', host: 'host', message: '', pri: 190, source: 'app', timestamp: TS})],
    ['nil fields', '<13>1 - - - - - - msg',
      syslog({message: 'msg', pri: 13})],
    ['PRI 0', `<0>1 ${TS} h a p m - x`, syslog({dyno: 'p', host: 'h', message: 'x', pri: 0, source: 'a', timestamp: TS})],
    ['PRI 191', `<191>1 ${TS} h a p m - x`, syslog({dyno: 'p', host: 'h', message: 'x', pri: 191, source: 'a', timestamp: TS})],
    ['a timestamp without fraction, with an offset', '<190>1 2010-10-06T21:51:37-07:00 host app web.1 - x',
      syslog({dyno: 'web.1', host: 'host', message: 'x', pri: 190, source: 'app', timestamp: '2010-10-06T21:51:37-07:00'})],
    // `logger --rfc5424 --tag mytag --msgid ID` (util-linux)
    ['logger\'s shape', '<13>1 2024-05-01T12:00:00.123456+00:00 myhost mytag - ID [timeQuality tzKnown="1" isSynced="1"] message',
      syslog({host: 'myhost', message: 'message', pri: 13, source: 'mytag', timestamp: '2024-05-01T12:00:00.123456+00:00'})],
    ['logger\'s shape with syncAccuracy', '<13>1 2024-05-01T12:00:00.123456+00:00 myhost mytag 4242 - [timeQuality tzKnown="1" isSynced="1" syncAccuracy="26500"] hi',
      syslog({dyno: '4242', host: 'myhost', message: 'hi', pri: 13, source: 'mytag', timestamp: '2024-05-01T12:00:00.123456+00:00'})],
    // log-shuttle: https://github.com/heroku/log-shuttle (APP-NAME carries the input token)
    ['log-shuttle\'s shape', `<190>1 ${TS} shuttle t.00000000-0000-4000-8000-000000000000 shuttle - - line from stdout`,
      syslog({dyno: 'shuttle', host: 'shuttle', message: 'line from stdout', pri: 190, source: 't.00000000-0000-4000-8000-000000000000', timestamp: TS})],
    // RFC 5424 §6.5, example 1 (BOM dropped): https://www.rfc-editor.org/rfc/rfc5424#section-6.5
    ['RFC 5424 example 1', "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8",
      syslog({host: 'mymachine.example.com', message: "'su root' failed for lonvick on /dev/pts/8", pri: 34, source: 'su', timestamp: '2003-10-11T22:14:15.003Z'})],
    // RFC 5424 §6.5, example 2
    ['RFC 5424 example 2', '<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It\'s time to make the do-nuts.',
      syslog({dyno: '8710', host: '192.0.2.1', message: "%% It's time to make the do-nuts.", pri: 165, source: 'myproc', timestamp: '2003-08-24T05:14:15.000003-07:00'})],
    // RFC 5424 §6.5, example 4: several SD elements, no MSG
    ['several SD elements', '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
      syslog({host: 'mymachine.example.com', message: '', pri: 165, source: 'evntslog', timestamp: '2003-10-11T22:14:15.003Z'})],
    ['several SD elements then a message', '<165>1 2003-10-11T22:14:15.003Z h evntslog - ID47 [a@1 x="1"][b@1 y="2"] the message',
      syslog({host: 'h', message: 'the message', pri: 165, source: 'evntslog', timestamp: '2003-10-11T22:14:15.003Z'})],
    ['escapes in SD values', String.raw`<13>1 ${TS} h a - - [x@1 a="b\]c\"d" e="\\"] msg [not sd]`,
      syslog({host: 'h', message: 'msg [not sd]', pri: 13, source: 'a', timestamp: TS})],
    ['an SD element with no parameters and a registered ID', `<13>1 ${TS} h a - - [origin] msg`,
      syslog({host: 'h', message: 'msg', pri: 13, source: 'a', timestamp: TS})],
    ['an SD element with no parameters and a private ID', `<13>1 ${TS} h a - - [mine@32473] msg`,
      syslog({host: 'h', message: 'msg', pri: 13, source: 'a', timestamp: TS})],
    // Ambiguous when SD is omitted: these are messages, not SD (see rfc5424.ts).
    ['a bracketed level word after MSGID', `<190>1 ${TS} host app web.1 - [WARN] disk low`,
      syslog({dyno: 'web.1', host: 'host', message: '[WARN] disk low', pri: 190, source: 'app', timestamp: TS})],
    ['Postgres tags after MSGID', `<190>1 ${TS} host app postgres.1234 - [DATABASE] [9-1]  sql_error_code = 00000 LOG:  checkpoint starting: time`,
      syslog({dyno: 'postgres.1234', host: 'host', message: '[DATABASE] [9-1]  sql_error_code = 00000 LOG:  checkpoint starting: time', pri: 190, source: 'app', timestamp: TS})],
    ['a malformed SD-looking message', `<190>1 ${TS} host app web.1 - [x@1 a="unclosed] rest`,
      syslog({dyno: 'web.1', host: 'host', message: '[x@1 a="unclosed] rest', pri: 190, source: 'app', timestamp: TS})],
    ['SD glued to the message', `<190>1 ${TS} host app web.1 - [x@1 a="1"]glued`,
      syslog({dyno: 'web.1', host: 'host', message: '[x@1 a="1"]glued', pri: 190, source: 'app', timestamp: TS})],
    ['a good element then a doubtful one', `<190>1 ${TS} host app web.1 - [x@1 a="1"][WARN] x`,
      syslog({dyno: 'web.1', host: 'host', message: '[x@1 a="1"][WARN] x', pri: 190, source: 'app', timestamp: TS})],
    ['a message starting with a dash', `<190>1 ${TS} host app web.1 - -starts with a dash`,
      syslog({dyno: 'web.1', host: 'host', message: '-starts with a dash', pri: 190, source: 'app', timestamp: TS})],
    ['a message with its own BOM after SD', `<13>1 ${TS} h a - - - \uFEFFhi`,
      syslog({host: 'h', message: 'hi', pri: 13, source: 'a', timestamp: TS})],
  ]
  for (const [name, line, expected] of table) {
    it(`reads ${name}`, () => {
      assert.deepEqual(shape(parseLine(Buffer.from(`${line}\n`))), expected)
      assert.deepEqual(shape(parseFrame(frame(`${line}\n`))), expected)
    })
  }

  const malformed = [
    ['PRI over 191', `<192>1 ${TS} h a p m - x`],
    ['a 4-digit PRI', `<0013>1 ${TS} h a p m - x`],
    ['an empty PRI', `<>1 ${TS} h a p m - x`],
    ['an unclosed PRI', `<13 1 ${TS} h a p m - x`],
    ['a bad timestamp', '<13>1 2024-05-01 h a p m - x'],
    ['a missing MSGID', `<13>1 ${TS} h a p`],
    ['a missing PROCID', `<13>1 ${TS} h a`],
    ['a non-ASCII HOSTNAME', `<13>1 ${TS} hôst a p m - x`],
    ['two spaces between fields', `<13>1 ${TS}  h a p m - x`],
    ['nothing after PRI', '<13>'],
  ]
  for (const [name, line] of malformed) {
    it(`keeps ${name} as text`, () => {
      assert.deepEqual(shape(parseLine(Buffer.from(`${line}\n`))), text(line))
      assert.deepEqual(shape(parseFrame(frame(`${line}\n`))), text(line))
    })
  }

  it('reads a version with a leading zero as RFC 3164 without a timestamp: all after PRI is the message', () => {
    assert.deepEqual(shape(parseLine(Buffer.from(`<13>01 ${TS} h a p m - x\n`))), syslog({message: `01 ${TS} h a p m - x`, pri: 13}))
  })

  it('parses from an offset', () => {
    assert.deepEqual(parseSyslog(`xx<13>1 ${TS} h a p m - x`, 2), {
      dyno: 'p', format: 'syslog', host: 'h', message: 'x', pri: 13, source: 'a', timestamp: TS,
    })
  })
})

describe('RFC 3164', () => {
  const table: Array<[string, string, RecordInit]> = [
    ['the common shape', '<13>Oct 11 22:14:15 myhost mytag[123]: hello',
      syslog({dyno: '123', host: 'myhost', message: 'hello', pri: 13, source: 'mytag', timestamp: 'Oct 11 22:14:15'})],
    // RFC 3164 §5.4, example 1: https://www.rfc-editor.org/rfc/rfc3164#section-5.4
    ['RFC 3164 example 1', "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
      syslog({host: 'mymachine', message: "'su root' failed for lonvick on /dev/pts/8", pri: 34, source: 'su', timestamp: 'Oct 11 22:14:15'})],
    ['a space-padded day', '<13>Oct  1 02:03:04 myhost cron[9]: job',
      syslog({dyno: '9', host: 'myhost', message: 'job', pri: 13, source: 'cron', timestamp: 'Oct  1 02:03:04'})],
    ['no HOSTNAME (logger to a local socket)', '<13>Oct 11 22:14:15 mytag: hello',
      syslog({message: 'hello', pri: 13, source: 'mytag', timestamp: 'Oct 11 22:14:15'})],
    ['no HOSTNAME, with a PID', '<13>Oct 11 22:14:15 mytag[77]: hello',
      syslog({dyno: '77', message: 'hello', pri: 13, source: 'mytag', timestamp: 'Oct 11 22:14:15'})],
    ['no TAG', '<13>Oct 11 22:14:15 myhost just some words',
      syslog({host: 'myhost', message: 'just some words', pri: 13, timestamp: 'Oct 11 22:14:15'})],
    // rsyslog forwarding a message that came as RFC 5424: APP-NAME[PROCID] without the colon.
    ['after HOSTNAME, TAG[PID] without the colon', '<13>Dec  2 17:38:41 vm demo[4321] with procid',
      syslog({dyno: '4321', host: 'vm', message: 'with procid', pri: 13, source: 'demo', timestamp: 'Dec  2 17:38:41'})],
    ['an empty message', '<13>Oct 11 22:14:15 myhost mytag:',
      syslog({host: 'myhost', message: '', pri: 13, source: 'mytag', timestamp: 'Oct 11 22:14:15'})],
    ['an RFC 3339 timestamp (rsyslog forwarding)', `<13>${TS} myhost mytag[1]: hi`,
      syslog({dyno: '1', host: 'myhost', message: 'hi', pri: 13, source: 'mytag', timestamp: TS})],
    // Python's logging.handlers.SysLogHandler: no TIMESTAMP, no HOSTNAME; `handler.ident` is the TAG.
    ['no TIMESTAMP, a TAG (Python with ident \'demo: \')', '<134>demo: hello',
      syslog({message: 'hello', pri: 134, source: 'demo'})],
    ['no TIMESTAMP, a TAG with a PID', '<134>demo[123]: hello',
      syslog({dyno: '123', message: 'hello', pri: 134, source: 'demo'})],
    ['no TIMESTAMP, a TAG, an empty message', '<134>demo:',
      syslog({message: '', pri: 134, source: 'demo'})],
    ['no TIMESTAMP, a multi-line message', '<11>demo: failed\nTraceback (most recent call last):',
      syslog({message: 'failed\nTraceback (most recent call last):', pri: 11, source: 'demo'})],
    ['no TIMESTAMP and no TAG (Python without ident)', '<12>hello world',
      syslog({message: 'hello world', pri: 12})],
    ['no TIMESTAMP, a first word that is no TAG', '<12>http://x: y',
      syslog({message: 'http://x: y', pri: 12})],
    ['a word that is no month', '<13>Foo 11 22:14:15 h t: x', syslog({message: 'Foo 11 22:14:15 h t: x', pri: 13})],
    ['a timestamp without seconds', '<13>Oct 11 22:14 h t: x', syslog({message: 'Oct 11 22:14 h t: x', pri: 13})],
    ['a timestamp and nothing after it', '<13>Oct 11 22:14:15', syslog({message: 'Oct 11 22:14:15', pri: 13})],
  ]
  for (const [name, line, expected] of table) {
    it(`reads ${name}`, () => {
      assert.deepEqual(shape(parseLine(Buffer.from(`${line}\n`))), expected)
      assert.deepEqual(shape(parseFrame(frame(`${line}\n`))), expected)
    })
  }

  it('has no instant for a BSD timestamp (no year or zone)', () => {
    assert.ok(Number.isNaN(parseLine(Buffer.from('<13>Oct 11 22:14:15 myhost mytag: x\n')).time))
  })

  for (const line of ['<13>', '<13>Oct 11 22:14:15  two spaces: x']) {
    it(`keeps ${JSON.stringify(line)} as text`, () => {
      assert.deepEqual(shape(parseLine(Buffer.from(`${line}\n`))), text(line))
    })
  }
})

describe('parseFrame', () => {
  // From the curl example in the Logplex spec and https://devcenter.heroku.com/articles/log-drains
  it('reads a Logplex frame and keeps the whole frame as raw', () => {
    const raw = Buffer.from('83 <40>1 2012-11-30T06:45:29+00:00 host app web.3 - State changed from starting to up\n')
    const record = parseFrame(raw)
    assert.deepEqual(shape(record), syslog({
      dyno: 'web.3', host: 'host', message: 'State changed from starting to up', pri: 40, source: 'app', timestamp: '2012-11-30T06:45:29+00:00',
    }))
    assert.equal(record.raw, raw)
    assert.equal(record.time, Date.parse('2012-11-30T06:45:29Z'))
  })

  // A syslog drain frame from https://gist.github.com/8vius/e4572c0bc2cf1edef48fd0717a073a2d, where the
  // drain token (the HOSTNAME, 38 bytes: 332 - 292 - 2) was cut out; a placeholder token puts it back.
  it('reads a syslog drain frame', () => {
    const message = `<158>1 2016-09-30T23:59:12.550028+00:00 ${TOKEN} heroku router - - at=error code=H12 desc="Request timeout" method=POST path="/perfil/2234/recurrencias/16730" host=aliada.mx request_id=145563d4-4725-4526-9edb-e7e877d28d5b fwd="189.210.196.206" dyno=web.1 connect=1ms service=30000ms status=503 bytes=0\n`
    const raw = Buffer.from(`332 ${message}`)
    assert.equal(Buffer.byteLength(message), 332)
    const record = parseFrame(raw)
    assert.equal(record.format, 'syslog')
    assert.equal(record.host, TOKEN)
    assert.equal(record.source, 'heroku')
    assert.equal(record.dyno, 'router')
    assert.equal(record.pri, 158)
    assert.equal(record.field('status'), '503')
    assert.equal(record.field('desc'), 'Request timeout')
    assert.equal(record.level, 'error')
  })

  it('strips \\r\\n and keeps a frame without a newline', () => {
    assert.equal(parseFrame(frame(`<13>1 ${TS} h a p m - x\r\n`)).message, 'x')
    assert.equal(parseFrame(frame(`<13>1 ${TS} h a p m - x`)).message, 'x')
  })

  it('makes a frame whose message is not syslog a text record without the length', () => {
    assert.deepEqual(shape(parseFrame(Buffer.from('12 hello world\n'))), text('hello world'))
    assert.deepEqual(shape(parseFrame(Buffer.from('1 \n'))), text(''))
  })
})
