/**
 * A drain URL fit for output, logs, errors and L-lines: a password becomes `****`, and so does a user given
 * alone (Falcon LogScale's `https://INGEST_TOKEN@host/...` keeps its secret there). Works on the text, not
 * `new URL`, which would normalise the rest (case, encoding, a trailing slash); the userinfo runs to the last
 * `@` before the path, so a password holding an `@` is hidden whole.
 */
export function redactUrl(text: string): string {
  const match = /^([a-z][\w+.-]*:\/\/)([^/?#]*)@/i.exec(text)
  if (match === null) return text
  const userinfo = match[2]
  const colon = userinfo.indexOf(':')
  if (colon === userinfo.length - 1) return text
  const shown = colon === -1 ? '****' : `${userinfo.slice(0, colon)}:****`
  return match[1] + shown + text.slice(match[0].length - 1)
}
