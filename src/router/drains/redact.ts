/**
 * A drain URL fit for logs, errors and L-lines: a password becomes `****`, and so does a user given alone
 * (Falcon LogScale's `https://INGEST_TOKEN@host/...` keeps its secret there).
 */
export function redactUrl(text: string): string {
  const match = /^([a-z][\w+.-]*:\/\/)([^/?#@]*)@/i.exec(text)
  if (match === null) return text
  const userinfo = match[2]
  const colon = userinfo.indexOf(':')
  const shown = colon === -1 ? '****' : `${userinfo.slice(0, colon)}:****`
  return match[1] + shown + text.slice(match[0].length - 1)
}
