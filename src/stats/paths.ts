/**
 * A request path as a route, so that `/users/42` and `/users/43` count as one:
 *
 * - The query string and fragment are dropped (`/orders?page=17` is `/orders`): they carry ids, pages and
 *   tokens that would split every route into thousands of rows. `--by fields.path` still groups raw paths.
 * - A segment that is all digits, a UUID, or 8 or more hex digits with at least one digit becomes `:id`
 *   (`/users/42`, `/orders/7d6f8658-4e9f-4d76-ae8a-2b69d641abf5`, `/commits/9cd38782ab`).
 * - Inside a segment, a run of 8 or more hex digits (with at least one digit) between `-`, `_` or `.` also
 *   becomes `:id`, so fingerprinted assets group: `/assets/app-ccc8ee8f.js` is `/assets/app-:id.js`.
 * - A full URL (`http://host/path`, as absolute-form requests write it) loses its scheme and host.
 *
 * Words stay as they are (`/api/v2/users`, `/deadbeef` has no digit), and so does the case.
 */
export function normalizePath(path: string): string {
  let end = path.length
  const query = path.indexOf('?')
  if (query !== -1) end = query
  const fragment = path.indexOf('#')
  if (fragment !== -1 && fragment < end) end = fragment
  let start = 0
  if (path.charCodeAt(0) !== SLASH) {
    const scheme = path.indexOf('://')
    if (scheme !== -1 && scheme < end) {
      const slash = path.indexOf('/', scheme + 3)
      if (slash === -1 || slash >= end) return '/'
      start = slash
    }
  }

  // The common case allocates nothing: a path with no id-like segment is returned as it is.
  let out: string | undefined
  let copied = start
  let segment = start
  for (let i = start; i <= end; i++) {
    if (i < end && path.charCodeAt(i) !== SLASH) continue
    if (i > segment) {
      const replaced = normalizeSegment(path, segment, i)
      if (replaced !== undefined) {
        out = (out ?? '') + path.slice(copied, segment) + replaced
        copied = i
      }
    }

    segment = i + 1
  }

  if (out === undefined) return start === 0 && end === path.length ? path : path.slice(start, end)
  return out + path.slice(copied, end)
}

const SLASH = 0x2f
const MIN_HEX_RUN = 8

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39
}

function isHexLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46)
}

function isSeparator(code: number): boolean {
  return code === 0x2d || code === 0x5f || code === 0x2e // - _ .
}

/** The segment `path[start, end)` with ids replaced, or undefined when it has none. */
function normalizeSegment(path: string, start: number, end: number): string | undefined {
  if (isWholeId(path, start, end)) return ':id'
  if (end - start < MIN_HEX_RUN) return undefined
  let out: string | undefined
  let copied = start
  let run = start
  for (let i = start; i <= end; i++) {
    if (i < end && !isSeparator(path.charCodeAt(i))) continue
    if (i - run >= MIN_HEX_RUN && isHexId(path, run, i)) {
      out = (out ?? '') + path.slice(copied, run) + ':id'
      copied = i
    }

    run = i + 1
  }

  return out === undefined ? undefined : out + path.slice(copied, end)
}

/** All digits, a UUID (8-4-4-4-12 hex), or a hex id. */
function isWholeId(path: string, start: number, end: number): boolean {
  let digitsOnly = true
  for (let i = start; i < end && digitsOnly; i++) digitsOnly = isDigit(path.charCodeAt(i))
  if (digitsOnly) return true
  if (end - start === 36 && isUuid(path, start)) return true
  return end - start >= MIN_HEX_RUN && isHexId(path, start, end)
}

function isUuid(path: string, start: number): boolean {
  for (let i = 0; i < 36; i++) {
    const code = path.charCodeAt(start + i)
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (code !== 0x2d) return false
    } else if (!isDigit(code) && !isHexLetter(code)) {
      return false
    }
  }

  return true
}

/** Hex digits only, at least one of them a decimal digit (so words like `deadbeef` or `facade` stay). */
function isHexId(path: string, start: number, end: number): boolean {
  let digit = false
  for (let i = start; i < end; i++) {
    const code = path.charCodeAt(i)
    if (isDigit(code)) digit = true
    else if (!isHexLetter(code)) return false
  }

  return digit
}
