import {redactUrl} from '../drains/redact.js'

/** How a notifier's body is written: logsift's JSON, or Slack's incoming-webhook `{"text": ...}`. */
export type NotifierFormat = 'json' | 'slack'

export interface Notifier {
  readonly url: string
  readonly format: NotifierFormat
}

/** Query parameters whose values are secrets in webhook URLs (`?token=`, `?api_key=`, `?sig=`...). */
const SECRET_PARAMETER = /^(?:.*(?:token|key|secret|signature|password|auth).*|sig|code)$/i
/** Slack's and Discord's webhook paths end in their secret. */
const SECRET_PATH = /^(\/(?:services\/[^/]+\/[^/]+|api\/webhooks\/[^/]+)\/)[^/?#]+/

/**
 * A webhook URL fit to show: credentials in the userinfo masked as drain URLs are (`user:****@`), and the
 * secrets webhook services put elsewhere too: the last part of a Slack (`/services/T/B/****`) or Discord
 * path, and the values of query parameters named like secrets (`?token=****`).
 */
export function maskWebhookUrl(text: string): string {
  const masked = redactUrl(text)
  const schemeEnd = masked.indexOf('://')
  const authorityLength = schemeEnd === -1 ? -1 : masked.slice(schemeEnd + 3).search(/[#/?]/)
  if (authorityLength === -1) return masked
  const split = schemeEnd + 3 + authorityLength
  const [beforeHash, ...hash] = masked.slice(split).split('#')
  const [path, ...query] = beforeHash.split('?')
  const shownQuery = query.length === 0 ? '' : '?' + query.join('?').split('&').map((pair) => maskParameter(pair)).join('&')
  return masked.slice(0, split) + path.replace(SECRET_PATH, '$1****') + shownQuery + hash.map((part) => '#' + part).join('')
}

function maskParameter(pair: string): string {
  const equals = pair.indexOf('=')
  if (equals === -1) return pair
  let name = pair.slice(0, equals)
  try {
    name = decodeURIComponent(name)
  } catch {}

  return SECRET_PARAMETER.test(name) ? `${pair.slice(0, equals)}=****` : pair
}

/** Why `text` cannot be a webhook URL, or undefined when it can. */
export function webhookUrlProblem(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return `${maskWebhookUrl(text)} is not a valid URL.`
  }

  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${maskWebhookUrl(text)}: a webhook URL is https:// (or http://).`
  if (url.hostname === '') return `${maskWebhookUrl(text)} has no host.`
  return undefined
}

/** `URL` (JSON), `json=URL` or `slack=URL`, as `alerts:add --notify` takes it. */
export function parseNotifierText(text: string): Notifier {
  const match = /^(json|slack)=(.*)$/s.exec(text.trim())
  return match === null ? {format: 'json', url: text.trim()} : {format: match[1] as NotifierFormat, url: match[2]}
}
