import type {LogRecord, RecordInit} from '../../parse/record.js'
import type {Placement} from '../message.js'
import type {App} from '../store.js'

/** What a message without a source or dyno of its own is shown as: an app process, as `heroku logs` would. */
export const DEFAULT_SOURCE = 'app'
export const DEFAULT_DYNO = 'web.1'

const INPUT_TOKEN = /^t\.[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/

function isInputToken(text: string | undefined): boolean {
  // The length and first character rule out `app` and `heroku` without running the expression per message.
  return text !== undefined && text.length === 38 && text.charCodeAt(0) === 0x74 && INPUT_TOKEN.test(text) // t
}

/**
 * A logplex-1 frame, whose app the request's credentials already named. APP-NAME is the source and PROCID
 * the dyno (as Heroku's drains write them), except that log-shuttle puts the input token in APP-NAME
 * (`<190>1 TIME shuttle t.UUID web.1 - - line`): that is app output, source `app`.
 */
export function placeFrame(record: Pick<RecordInit, 'dyno' | 'source'>): Placement {
  const source = record.source === undefined || isInputToken(record.source) ? DEFAULT_SOURCE : record.source
  return {dyno: record.dyno ?? DEFAULT_DYNO, source}
}

export interface AppLookup {
  /** By name or id. */
  find(idOrName: string): App | undefined
  findByInputToken(token: string): App | undefined
}

/**
 * A syslog message (RFC 5424 or 3164) names its app itself, since syslog has no credentials. The first rule
 * that matches wins:
 * 1. HOSTNAME is an app's input token (as Heroku's syslog drains put their token there): source APP-NAME,
 *    dyno PROCID;
 * 2. APP-NAME (the 3164 TAG; `logger --tag`) is an input token, as log-shuttle writes it: source `app`,
 *    dyno PROCID;
 * 3. APP-NAME is an app's name (`logger --tag demo`): source `app`, dyno PROCID;
 * 4. HOSTNAME is an app's name (an rsyslog template that writes the app there): source APP-NAME, dyno PROCID;
 * 5. no APP-NAME, and the first word of the message is an app's name or input token: rsyslog forwarding a
 *    message that came as RFC 5424 writes its APP-NAME as a 3164 TAG without the colon (`host demo msg`),
 *    which rsyslog and syslog-ng read as the TAG: source `app`, the word taken off the message (`message`).
 * A missing APP-NAME is source `app`, a missing PROCID dyno `web.1`. No match: undefined (dropped, counted).
 */
export function routeSyslog(record: LogRecord, apps: AppLookup): {app: App; placement: Placement; message?: string} | undefined {
  const {host, source} = record
  const dyno = record.dyno ?? DEFAULT_DYNO
  const asSource = source === undefined || isInputToken(source) ? DEFAULT_SOURCE : source

  let app = host === undefined ? undefined : apps.findByInputToken(host)
  if (app !== undefined) return {app, placement: {dyno, source: asSource}}
  if (source !== undefined) {
    app = apps.findByInputToken(source) ?? apps.find(source)
    if (app !== undefined) return {app, placement: {dyno, source: DEFAULT_SOURCE}}
  }

  app = host === undefined ? undefined : apps.find(host)
  if (app !== undefined) return {app, placement: {dyno, source: asSource}}
  if (source !== undefined) return undefined
  const space = record.message.indexOf(' ')
  const word = space === -1 ? record.message : record.message.slice(0, space)
  app = word === '' ? undefined : apps.findByInputToken(word) ?? apps.find(word)
  if (app !== undefined) return {app, message: record.message.slice(word.length + 1), placement: {dyno, source: DEFAULT_SOURCE}}
  return undefined
}
