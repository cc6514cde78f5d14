import {parseLine} from '../../src/parse/line.js'
import {LogRecord} from '../../src/parse/record.js'

/** A record from one `heroku logs` line, as the parser makes it. */
export function heroku(line: string): LogRecord {
  const record = parseLine(Buffer.from(line + '\n'))
  if (record.format !== 'heroku') throw new Error(`not a heroku line: ${line}`)
  return record
}

/** A syslog record with exactly these header parts, for the shapes a parser rarely makes. */
export function syslog(init: {dyno?: string; host?: string; message: string; source?: string; timestamp?: string}): LogRecord {
  return new LogRecord(Buffer.from(`<190>1 ${init.timestamp ?? '-'} ${init.host ?? '-'} ${init.source ?? '-'} ${init.dyno ?? '-'} - ${init.message}\n`), {
    ...init,
    format: 'syslog',
    pri: 190,
  })
}

/** A line that is not a Heroku or syslog line, as the parser makes it. */
export function text(line: string): LogRecord {
  const record = parseLine(Buffer.from(line + '\n'))
  if (record.format !== 'text') throw new Error(`not a text line: ${line}`)
  return record
}
