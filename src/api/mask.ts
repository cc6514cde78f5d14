/** The URL with the password of its userinfo replaced by `****`, for human output (`--json` keeps it). */
export function maskPassword(url: string): string {
  // Work on the text, not `new URL`: it would normalise the rest (case, encoding, a trailing slash).
  const match = /^([a-z][\w+.-]*:\/\/[^/?#@:]*:)([^/?#]*)(@)/i.exec(url)
  if (match === null || match[2] === '') return url
  return match[1] + '****' + url.slice(match[0].length - 1)
}
