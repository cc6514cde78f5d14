/**
 * Heroku's error codes (H: router, R: runtime, L: Logplex): the title Heroku prints after the code and one
 * line on what usually causes it. Titles and causes follow Heroku's error-code documentation
 * (https://devcenter.heroku.com/articles/error-codes), titles spelled as Heroku spells them.
 */
export interface ErrorCode {
  /** `H12`, `R14`, `L10`. */
  readonly code: string
  /** The description Heroku writes next to the code: `Request timeout`. */
  readonly title: string
  /** One line on what usually causes it. */
  readonly cause: string
}

const TABLE: ReadonlyArray<readonly [code: string, title: string, cause: string]> = [
  ['H10', 'App crashed', 'a web dyno crashed or failed to boot, so the router had no dyno to send the request to'],
  ['H11', 'Backlog too deep', 'requests queued faster than the dynos could answer them; the backlog passed its limit'],
  ['H12', 'Request timeout', 'the app took longer than 30 s to answer a request'],
  ['H13', 'Connection closed without response', 'the dyno accepted the connection but closed it without answering (often a crashed worker process)'],
  ['H14', 'No web dynos running', 'the app has no web dynos scaled up'],
  ['H15', 'Idle connection', 'the dyno sent no data for 55 s on an open connection'],
  ['H16', '(No Longer in Use)', 'a redirect to herokuapp.com; Heroku no longer emits this code'],
  ['H17', 'Poorly formatted HTTP response', 'the app answered with malformed HTTP (bad status line or headers)'],
  ['H18', 'Server Request Interrupted', 'the dyno closed the socket or answered before the whole request body was read'],
  ['H19', 'Backend connection timeout', 'the router could not open a connection to the dyno within 5 s (dyno overloaded)'],
  ['H20', 'App boot timeout', 'the web process did not bind to $PORT within the boot timeout (60 s by default)'],
  ['H21', 'Backend connection refused', 'the dyno refused the connection (process not listening on $PORT)'],
  ['H22', 'Connection limit reached', 'the app hit the router\'s limit of concurrent connections'],
  ['H23', 'Endpoint misconfigured', 'the app\'s endpoint or proxy settings are wrong (for example a bad PROXY protocol setup)'],
  ['H24', 'Forced close', 'a long-lived connection was closed by the router after its maximum lifetime'],
  ['H25', 'HTTP Restriction', 'the request broke an HTTP restriction (header or request line too large, bad characters)'],
  ['H26', 'Request Error', 'the client sent a malformed HTTP request'],
  ['H27', 'Client Request Interrupted', 'the client closed the socket before the app answered'],
  ['H28', 'Client Connection Idle', 'the client sent no data for 55 s while the router waited for the request'],
  ['H31', 'Misdirected Request', 'the request reached a host this app does not serve (HTTP 421)'],
  ['H32', 'TLS Certificate Mismatch', 'the TLS SNI name did not match the Host header'],
  ['H80', 'Maintenance mode', 'maintenance mode is on; the router served the maintenance page'],
  ['H81', 'Blank app', 'no code has been deployed to the app yet'],
  ['H82', "You've used up your dyno hour pool", 'the account used up its free or eco dyno hours for the month'],
  ['H83', 'Planned Service Degradation', 'Heroku is degrading the service on purpose during planned maintenance'],
  ['H99', 'Platform error', 'an internal error in Heroku\'s router, not in the app'],
  ['R10', 'Boot timeout', 'the web process did not bind to $PORT within 60 s of starting'],
  ['R12', 'Exit timeout', 'the process did not exit within 30 s of SIGTERM and was killed with SIGKILL'],
  ['R13', 'Attach error', 'a one-off dyno (heroku run) could not attach to the terminal session'],
  ['R14', 'Memory quota exceeded', 'the dyno used more memory than its quota and is swapping to disk'],
  ['R15', 'Memory quota vastly exceeded', 'the dyno used far more memory than its quota (2x or more) and was killed'],
  ['R16', 'Detached', 'an attached one-off dyno lost its terminal and kept running detached'],
  ['R17', 'Checksum error', 'the slug\'s checksum did not match when the dyno started'],
  ['R99', 'Platform error', 'an internal error in Heroku\'s runtime, not in the app'],
  ['L10', 'Drain buffer overflow', 'a drain could not keep up with the log volume and Logplex dropped messages'],
  ['L11', 'Tail buffer overflow', 'a `heroku logs --tail` session could not keep up and messages were dropped'],
  ['L12', 'Local buffer overflow', 'the dyno wrote logs faster than Logplex could accept them; lines were dropped'],
  ['L13', 'Local delivery error', 'the runtime could not deliver a log line to Logplex'],
  ['L14', 'Certificate validation error', 'a syslog+tls drain presented a certificate that failed validation'],
  ['L15', 'Tail buffer temporarily unavailable', 'the tail session\'s buffer was briefly unavailable; lines may be missing'],
]

/** Every code Heroku documents, by code, in the order above (H, then R, then L). */
export const ERROR_CODES: ReadonlyMap<string, ErrorCode> = new Map(
  TABLE.map(([code, title, cause]) => [code, {cause, code, title}]),
)

const SPACE = 0x20
const QUOTE = 0x22

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39
}

function isLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)
}

/** `H12`, `R14` or `L10` at `i`, not followed by another letter or digit. */
function codeAt(message: string, i: number): string | undefined {
  const letter = message.charCodeAt(i)
  if (letter !== 0x48 && letter !== 0x52 && letter !== 0x4c) return undefined // H R L
  if (!isDigit(message.charCodeAt(i + 1)) || !isDigit(message.charCodeAt(i + 2))) return undefined
  const after = message.charCodeAt(i + 3)
  if (isLetter(after) || isDigit(after)) return undefined
  return message.slice(i, i + 3)
}

/**
 * The Heroku error code a message carries: `Error H12 (Request timeout)` anywhere (pre-2013 router lines,
 * runtime `Error R14 (...)`, Logplex `Error L10 (...)`), or a logfmt `code=H12` / `code="H12"` token. A
 * code of the right shape that Heroku does not document is still returned; `ERROR_CODES` may not know it.
 */
export function errorCodeOf(message: string): string | undefined {
  for (let i = message.indexOf('Error '); i !== -1; i = message.indexOf('Error ', i + 6)) {
    const code = codeAt(message, i + 6)
    if (code !== undefined) return code
  }

  for (let i = message.indexOf('code='); i !== -1; i = message.indexOf('code=', i + 5)) {
    if (i > 0 && message.charCodeAt(i - 1) !== SPACE) continue
    const code = codeAt(message, message.charCodeAt(i + 5) === QUOTE ? i + 6 : i + 5)
    if (code !== undefined) return code
  }

  return undefined
}
