import {parseRfc3164} from './rfc3164.js'
import type {RecordInit} from './record.js'
import {timestampEnd} from './timestamp.js'

/**
 * Syslog messages: RFC 5424 as Logplex, log-shuttle, `logger --rfc5424` and rsyslog write it, and (by
 * delegation) RFC 3164 for `<PRI>` messages without the version field.
 *
 * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG`: APP-NAME is the record's `source`, PROCID its
 * `dyno`, HOSTNAME its `host`; `-` (nil) gives undefined. The TIMESTAMP is kept as written (it must look
 * like RFC 3339, or be `-`). A UTF-8 BOM at the start of MSG is dropped. Structured data is skipped (the
 * record has no place for it; `raw` keeps it).
 *
 * Structured data may be `-`, one or more `[...]` elements, or absent (HTTPS drain bodies omit it). Absent SD
 * makes a message that starts with `[` ambiguous (`... web.1 - [WARN] disk low`), so the text after MSGID
 * is taken as SD only when every element in the run is well formed (`[ID]` or `[ID name="value" ...]`, with
 * `\"`, `\\` and `\]` escapes in values), the run is followed by a space or the end, and every element is
 * unmistakably SD: it has at least one parameter, or its SD-ID is one RFC 5424 registers (`timeQuality`,
 * `origin`, `meta`) or a private one (`name@number`, which must contain `@`). So `[WARN] x`,
 * `[DATABASE] [12-1] ...` and `[info]` are messages, while `[timeQuality tzKnown="1"] x` and
 * `[origin@123]` are SD. Likewise `-` is nil SD only when a space or the end follows it.
 */

const SPACE = 0x20
const REGISTERED_SD_IDS = new Set(['meta', 'origin', 'timeQuality'])

/**
 * Where a header field (1 or more printable US-ASCII characters, RFC 5424 §6) starting at `start` ends,
 * i.e. the index of the space or end after it, or -1 when a character is not printable ASCII.
 */
function fieldEnd(text: string, start: number): number {
  let i = start
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code === SPACE) break
    if (code < 0x21 || code > 0x7e) return -1
  }

  return i === start ? -1 : i
}

function nilable(text: string, start: number, end: number): string | undefined {
  return end - start === 1 && text.charCodeAt(start) === 0x2d ? undefined : text.slice(start, end)
}

function isSdNameChar(code: number): boolean {
  // PRINTUSASCII except '=', SP, ']', '"'
  return code >= 0x21 && code <= 0x7e && code !== 0x3d && code !== 0x5d && code !== 0x22
}

/** Where a name (SD-ID or PARAM-NAME) starting at `start` ends, or -1 when it is empty. */
function sdNameEnd(text: string, start: number): number {
  let i = start
  while (i < text.length && isSdNameChar(text.charCodeAt(i))) i++
  return i === start ? -1 : i
}

/**
 * Where the SD element starting at `start` (on its `[`) ends, just past its `]`, or -1 when it is not a
 * well-formed element that is unmistakably SD (see the module comment).
 */
function sdElementEnd(text: string, start: number): number {
  const idEnd = sdNameEnd(text, start + 1)
  if (idEnd === -1) return -1
  let i = idEnd
  let params = 0
  while (text.charCodeAt(i) === SPACE) {
    const nameEnd = sdNameEnd(text, i + 1)
    if (nameEnd === -1 || text.charCodeAt(nameEnd) !== 0x3d || text.charCodeAt(nameEnd + 1) !== 0x22) return -1
    i = nameEnd + 2
    for (;; i++) {
      if (i >= text.length) return -1
      const code = text.charCodeAt(i)
      if (code === 0x22) break
      if (code === 0x5c) i++ // a backslash escapes the next character
    }

    i++
    params++
  }

  if (text.charCodeAt(i) !== 0x5d) return -1 // ]
  if (params === 0) {
    const id = text.slice(start + 1, idEnd)
    if (!id.includes('@') && !REGISTERED_SD_IDS.has(id)) return -1
  }

  return i + 1
}

/** Where the SD field starting at `start` ends (the space or end after it), or -1 when there is no SD. */
function structuredDataEnd(text: string, start: number): number {
  const code = text.charCodeAt(start)
  if (code === 0x2d) { // -
    const next = start + 1
    return next === text.length || text.charCodeAt(next) === SPACE ? next : -1
  }

  if (code !== 0x5b) return -1 // [
  let i = start
  while (text.charCodeAt(i) === 0x5b) {
    i = sdElementEnd(text, i)
    if (i === -1) return -1
  }

  return i === text.length || text.charCodeAt(i) === SPACE ? i : -1
}

function message(text: string, start: number): string {
  if (start >= text.length) return ''
  return text.charCodeAt(start) === 0xfe_ff ? text.slice(start + 1) : text.slice(start)
}

/**
 * Parses `text` from `start` as a syslog message (`<PRI>...`). Returns the record's fields, or undefined
 * when the text is not a well-formed RFC 5424 or RFC 3164 message (the caller makes it a `text` record).
 */
export function parseSyslog(text: string, start = 0): RecordInit | undefined {
  if (text.charCodeAt(start) !== 0x3c) return undefined // <
  let i = start + 1
  let pri = 0
  for (; i - start <= 3; i++) {
    const digit = text.charCodeAt(i) - 0x30
    if (digit < 0 || digit > 9) break
    pri = pri * 10 + digit
  }

  if (i === start + 1 || text.charCodeAt(i) !== 0x3e || pri > 191) return undefined // >
  i++

  // VERSION: a non-zero digit then up to two digits, then a space. Anything else is RFC 3164.
  let versionEnd = i
  while (versionEnd - i < 3 && text.charCodeAt(versionEnd) >= 0x30 && text.charCodeAt(versionEnd) <= 0x39) versionEnd++
  if (versionEnd === i || text.charCodeAt(i) === 0x30 || text.charCodeAt(versionEnd) !== SPACE) {
    return parseRfc3164(text, i, pri)
  }

  i = versionEnd + 1
  let timestamp: string | undefined
  if (text.charCodeAt(i) === 0x2d && text.charCodeAt(i + 1) === SPACE) {
    i += 2
  } else {
    const end = timestampEnd(text, i)
    if (end === -1 || text.charCodeAt(end) !== SPACE) return undefined
    timestamp = text.slice(i, end)
    i = end + 1
  }

  const hostEnd = fieldEnd(text, i)
  if (hostEnd === -1 || text.charCodeAt(hostEnd) !== SPACE) return undefined
  const host = nilable(text, i, hostEnd)
  const appEnd = fieldEnd(text, hostEnd + 1)
  if (appEnd === -1 || text.charCodeAt(appEnd) !== SPACE) return undefined
  const source = nilable(text, hostEnd + 1, appEnd)
  const procEnd = fieldEnd(text, appEnd + 1)
  if (procEnd === -1 || text.charCodeAt(procEnd) !== SPACE) return undefined
  const dyno = nilable(text, appEnd + 1, procEnd)
  const msgIdEnd = fieldEnd(text, procEnd + 1)
  if (msgIdEnd === -1) return undefined

  let messageStart = msgIdEnd + 1
  if (messageStart < text.length) {
    const sdEnd = structuredDataEnd(text, messageStart)
    if (sdEnd !== -1) messageStart = sdEnd + 1
  }

  return {dyno, format: 'syslog', host, message: message(text, messageStart), pri, source, timestamp}
}
