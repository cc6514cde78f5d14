import type {LinePrefilter} from '../parse/split.js'
import type {QueryOptions} from './compile.js'

import {comparisonTest, parseWhere, type WhereExpression} from './where.js'

/** Characters that make a grep pattern more than a literal. */
const REGEX_SYNTAX = /[\\^$.|?*+()[\]{}]/

/**
 * The cheapest necessary condition the query implies, if any (see LinePrefilter). The needle is a key name
 * (`status`) or a grep literal. A key's value can only come from the line's text, where the key is written
 * as is: `status=503` in logfmt, `"status":503` in JSON. (A JSON key spelled with `\u` escapes is the one
 * spelling the needle misses.)
 */
export function compileLinePrefilter(options: QueryOptions): LinePrefilter | undefined {
  const where = (options.where ?? []).map((expression) => parseWhere(expression))
  const byKey = where.find((parsed) => parsed.kind === 'compare') ?? where.find((parsed) => requiresKey(parsed))
  if (byKey !== undefined) {
    // A dotted key can be reached through nested JSON, where only its last part is written as a key.
    const dotted = byKey.key.includes('.')
    return {
      acceptsValue: byKey.kind === 'compare' && !dotted ? comparisonTest(byKey.op, byKey.threshold) : undefined,
      needle: Buffer.from(dotted ? byKey.key.slice(byKey.key.lastIndexOf('.') + 1) : byKey.key),
    }
  }

  const grep = options.grep ?? []
  if (grep.length === 1 && !options.ignoreCase && grep[0] !== '' && !REGEX_SYNTAX.test(grep[0])) {
    return {acceptsValue: undefined, needle: Buffer.from(grep[0])}
  }

  return undefined
}

/** Expressions that can only hold when the key is in the line; negations hold without it. */
function requiresKey(parsed: WhereExpression): boolean {
  switch (parsed.kind) {
    case 'absent': {
      return false
    }

    case 'equals':
    case 'matches': {
      return !parsed.negated
    }

    default: {
      return true
    }
  }
}
