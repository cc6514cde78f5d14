/**
 * The redaction rules as regular-expression sources, and the checks a match must pass. Kept apart from the
 * redactor so the rules read as a list: what counts as a secret, not how the text is walked.
 */

export const REDACTED = '[REDACTED]'

/**
 * A key naming a secret contains one of these words, in any case (`DB_PASSWORD`, `X-Auth-Token`,
 * `client_secret`, `_myapp_session`, `Set-Cookie`), as Rails' `filter_parameters` matches partially.
 */
const SECRET_KEY_WORDS = ['password', 'passwd', 'secret', 'token', 'api[-_]?key', 'authorization', 'cookie', 'session', 'credit[-_]?card']

/** HTTP authentication schemes kept in front of a redacted credential (`Authorization: Bearer [REDACTED]`). */
export const AUTH_SCHEME = /^(?:Bearer|Basic|Digest|Negotiate|Token)[ \t]+/i

/** Tests a field name (a JSON or logfmt key) for a secret-naming word. */
export const SECRET_KEY = new RegExp(SECRET_KEY_WORDS.join('|'), 'i')

/** `password` → `[Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]`: case-insensitive without the `i` flag, which the other rules must not have. */
export function anyCase(source: string): string {
  return source.replaceAll(/[a-z]/gi, (letter) => `[${letter.toUpperCase()}${letter.toLowerCase()}]`)
}

/** A key given with `--redact-key`: matched whole, any case, `-` and `_` alike; a dotted prefix is allowed (`user.pin`). */
export function exactKeySource(key: string): string {
  const escaped = key.replaceAll(/[$()*+.?[\\\]^{|}]/g, String.raw`\$&`)
  return String.raw`(?<![\w-])` + anyCase(escaped).replaceAll(/[-_]/g, '[-_]')
}

/** The same key as a test on a field name. */
export function exactKeyTest(keys: readonly string[]): (name: string) => boolean {
  const normalized = new Set(keys.map((key) => normalizeKey(key)))
  return (name) => {
    if (normalized.size === 0) return false
    const dot = name.lastIndexOf('.')
    return normalized.has(normalizeKey(dot === -1 ? name : name.slice(dot + 1)))
  }
}

function normalizeKey(key: string): string {
  return key.toLowerCase().replaceAll('-', '_')
}

/**
 * `KEY SEP VALUE`: logfmt and query strings (`key=value`), JSON (`"key":"value"`), headers and YAML
 * (`key: value`), Ruby hashes (`"key"=>"value"`), settings (`key = value`). Groups: 1 the quote closing the
 * key, 2 the separator with its spacing, 3 a double-quoted value, 4 a single-quoted one, 5 an auth scheme
 * before 6, an unquoted value (which stops at space, `&`, `,`, `;` and closing brackets, and never starts with
 * `[`, so `[REDACTED]` and `[FILTERED]` stay). A space after a bare `=` ends an empty logfmt value
 * (`password= user=bob`), and a scheme word is never the value itself; after a bare `=` it cannot start a
 * spaced value either (`token=Basic user=bob` is two pairs), and the Bearer/Basic rule judges it instead.
 */
export function keyValueSource(keys: string): string {
  const scheme = '(?:' + anyCase('Bearer|Basic|Digest|Negotiate|Token') + ')[ \\t]+'
  return String.raw`(?:${keys})(["']?)([ \t]*(?:=>|:)[ \t]*|[ \t]+=[ \t]*|=)(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|((?:(?<!=)${scheme})?)(?!${scheme})([^\s"&,;})\][][^\s"&,;})\]]*))`
}

const SECRET_WORDS_SOURCE = '(?:' + anyCase(SECRET_KEY_WORDS.join('|')) + ')'

/**
 * A key naming a secret, in the text: the word and the rest of the key after it (`session_id`). Only the
 * key's first secret word starts a match: the lookbehind refuses a word with another one earlier in the same
 * run of `[\w.-]`. Without it a line of `tokentoken…` was quadratic, every `token` in it scanning the rest of
 * the run before failing on the missing separator; a later word in the run could only fail the same way. The
 * lazy lookbehind stops at the nearest earlier word, so each character is looked at a few times at most, and
 * it comes after the word so that V8 still skips quickly over text where no secret word starts.
 */
export const SECRET_KEYS_SOURCE = String.raw`${SECRET_WORDS_SOURCE}(?<!${SECRET_WORDS_SOURCE}[\w.-]*?${SECRET_WORDS_SOURCE})[\w.-]*`

/** `scheme://user:password@`: groups 1 the user, 2 the password. Found from the `://`, so only URLs cost anything. */
export const URL_CREDENTIALS_SOURCE = String.raw`:\/\/([^\s:/?#@"'<>]*):([^\s/?#@"'<>]+)@`

/** `Bearer TOKEN`, `Basic BASE64`: groups 1 the scheme and spacing, 2 the credential. */
export const AUTH_CREDENTIAL_SOURCE = String.raw`\b((?:Bearer|bearer|BEARER|Basic|basic|BASIC)[ \t]+)([\w\-.~+/]+=*)`

/** AWS access key ids: long-term (`AKIA`) and temporary (`ASIA`), 20 characters. */
export const AWS_ACCESS_KEY_SOURCE = String.raw`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`

/**
 * A JWT: three base64url segments, the first (`{"` encoded) starting `eyJ`; the signature may be empty (alg
 * none). Only the first `eyJ` of a run of `[\w-]` starts a match (the lookbehind refuses one with another
 * earlier in the run): every `-eyJ` of a long run (`eyJ-eyJ-…`) used to scan the rest of the run for the
 * first dot, a quadratic line, and a later one can only fail where the first failed.
 */
export const JWT_SOURCE = String.raw`\beyJ(?<!eyJ[\w-]*?eyJ)[\w-]{7,}\.[\w-]{2,}\.[\w-]*`

/**
 * Card numbers: 13 to 19 digits together, or in groups of four (`4111 1111 1111 1111`, `4111-1111-...`), or
 * Amex's 4-6-5 (and Diners' 4-6-4). The Luhn check and the issuer's first digit decide in the redactor. Named
 * groups, because it is joined with the other rules and numbered backreferences would point at theirs. The
 * common first four digits are matched once: a fifth of the redactor's time on digit-heavy router lines.
 */
export const CARD_SOURCE = String.raw`\b\d{4}(?:\d{9,15}|(?<cardSeparator>[ -])\d{4}\k<cardSeparator>\d{4}\k<cardSeparator>\d{1,7}|(?<amexSeparator>[ -])\d{6}\k<amexSeparator>\d{4,5})\b`

/** Emails, only with `--redact-email`. The lookbehind keeps the scan linear on long words without an `@`. */
export const EMAIL_SOURCE = String.raw`(?<![\w.%+-])[\w.%+-]+@[a-zA-Z\d-]+(?:\.[a-zA-Z\d-]+)*\.[a-zA-Z]{2,}\b`

/**
 * A card number: 13–19 digits that pass the Luhn check and start like a card (2 Mastercard's 2221–2720 range,
 * 3 Amex/Diners/JCB, 4 Visa, 5 Mastercard, 6 Discover/UnionPay). The first digit rules out epoch milliseconds
 * (`1714564800123`), which pass Luhn one time in ten.
 */
export function isCardNumber(candidate: string): boolean {
  const digits = candidate.replaceAll(/[ -]/g, '')
  if (digits.length < 13 || digits.length > 19) return false
  const first = digits.charCodeAt(0) - 0x30
  if (first < 2 || first > 6) return false
  if (first === 2) {
    const prefix = Number(digits.slice(0, 4))
    if (prefix < 2221 || prefix > 2720) return false
  }

  return passesLuhn(digits)
}

export function passesLuhn(digits: string): boolean {
  let sum = 0
  let double = false
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 0x30
    if (double) {
      digit *= 2
      if (digit > 9) digit -= 9
    }

    sum += digit
    double = !double
  }

  return sum % 10 === 0
}

/**
 * Whether a `Bearer` credential looks like one: long enough, and not a lowercase word ("Bearer authentication
 * failed" names the scheme, it carries no token).
 */
export function isBearerCredential(credential: string): boolean {
  return credential.length >= 8 && !/^[a-z]+$/.test(credential)
}

/** Whether a `Basic` credential is base64 of `user:password` ("Basic plan" is not). */
export function isBasicCredential(credential: string): boolean {
  if (credential.length < 4 || credential.length % 4 !== 0) return false
  const decoded = Buffer.from(credential, 'base64').toString('latin1')
  return decoded.includes(':') && /^[\u0020-\u007E\u00A0-\u00FF]+$/.test(decoded)
}
