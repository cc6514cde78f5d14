import {redactUrl} from './redact.js'
import {DEFAULT_PORTS} from './syslog-drain.js'

const DRAIN_SCHEMES = new Set(['http:', 'https:', 'syslog+tls:', 'syslog:'])

/** Why `text` cannot be a drain URL, or undefined when it can. */
export function drainUrlProblem(text: string): string | undefined {
  // URL parsing drops these silently, but the drain keeps the text it was given: listed, it would break lines.
  if (/[\s\u0000-\u001F\u007F]/.test(text)) {
    return `Url ${redactUrl(text.trim())} has a space, tab, line break or control character in or around it; give the URL alone.`
  }

  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `Url ${redactUrl(text)} is not a valid URL.`
  }

  if (!DRAIN_SCHEMES.has(url.protocol)) {
    return `Url scheme ${url.protocol.slice(0, -1)} is not supported; use syslog, syslog+tls, https or http.`
  }

  if (url.hostname === '') return `Url ${redactUrl(text)} has no host.`
  if (url.port === '0') return `Url ${redactUrl(text)} has port 0, where nothing can listen.`
  return undefined
}

/** Two spellings of one drain (`syslog://h:514` and `syslog://h:514/`, an upper-case host) compare equal. */
export function sameDrainUrl(a: string, b: string): boolean {
  return canonical(a) === canonical(b)
}

/**
 * WHATWG URLs leave the host case, an empty path and the default port alone for schemes it does not know,
 * such as syslog: `syslog://h` is `syslog://h:601`, as the drain connects there.
 */
function canonical(text: string): string {
  const url = new URL(text)
  const path = url.pathname === '/' ? '' : url.pathname
  const port = url.port === String(DEFAULT_PORTS[url.protocol as keyof typeof DEFAULT_PORTS]) ? '' : url.port
  return `${url.protocol}//${url.username}:${url.password}@${url.hostname.toLowerCase()}${port === '' ? '' : ':' + port}${path}${url.search}${url.hash}`
}
