export interface NetrcEntry {
  login?: string
  password?: string
}

/**
 * The machines of a `.netrc` file (as `heroku login` writes it) by host name, `default` under ''.
 * Tokens are separated by any whitespace, lines included; a `macdef` body runs to the next blank line.
 */
export function parseNetrc(text: string): Map<string, NetrcEntry> {
  const machines = new Map<string, NetrcEntry>()
  const tokens = netrcTokens(text)
  let current: NetrcEntry | undefined
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t]
    if (token === 'machine') {
      current = {}
      const host = tokens[++t]
      if (host !== undefined && !machines.has(host)) machines.set(host, current)
    } else if (token === 'default') {
      current = {}
      if (!machines.has('')) machines.set('', current)
    } else if (token === 'login' || token === 'password') {
      const value = tokens[++t]
      if (current && value !== undefined) current[token] = value
    } else if (token === 'account') {
      t++
    }
  }

  return machines
}

function netrcTokens(text: string): string[] {
  const tokens: string[] = []
  let inMacro = false
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim()
    if (inMacro) {
      inMacro = trimmed !== ''
      continue
    }

    if (trimmed.startsWith('#')) continue
    for (const token of trimmed.split(/\s+/)) {
      if (token === '') continue
      if (token === 'macdef') {
        inMacro = true
        break
      }

      tokens.push(token)
    }
  }

  return tokens
}
