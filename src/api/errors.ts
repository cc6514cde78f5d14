/** An error answer of the Platform API: `{"id": "not_found", "message": "Couldn't find that app."}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
  ) {
    super(message)
  }
}

/** Nothing answered at the API's address (connection refused, no such host, a timeout). */
export class ApiUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach ${url}: ${reason}`)
  }
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'no such host',
  ETIMEDOUT: 'timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time: is it an HTTP server?',
  UND_ERR_BODY_TIMEOUT: 'the answer stopped coming',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
}

/** A certificate Node does not trust: the fix is to trust its CA. */
const UNTRUSTED_CERTIFICATE = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'])

/** OpenSSL's codes for an answer to a TLS hello that is not TLS (an HTTP server's 400): the port has no TLS. */
export const NOT_TLS_CODES = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_UNKNOWN_PROTOCOL', 'ERR_SSL_HTTP_REQUEST'])

/** The reason for a connection refused: nothing listens there (for the local router: it is not running). */
export const CONNECTION_REFUSED = NETWORK_REASONS.ECONNREFUSED

/** The reason a request never got an answer, in words, or undefined when `error` is not a network error. */
export function networkReason(error: unknown): string | undefined {
  return networkFailure(error)?.reason
}

/**
 * Why a request never got an answer, and whether trying again may help (a refused or dropped connection)
 * or not (an untrusted certificate, an answer that is not HTTP); undefined when `error` is not a network error.
 */
export function networkFailure(error: unknown): {reason: string; transient: boolean} | undefined {
  let current: unknown = error
  // undici wraps the socket's error; AggregateError holds one per address tried (::1 and 127.0.0.1).
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const {code} = current as NodeJS.ErrnoException
    if (code && NETWORK_REASONS[code]) return {reason: NETWORK_REASONS[code], transient: !PERMANENT.has(code)}
    if (code && UNTRUSTED_CERTIFICATE.has(code)) return {reason: `its TLS certificate is not trusted (${code}): trust its CA with NODE_EXTRA_CA_CERTS=FILE`, transient: false}
    if (code && NOT_TLS_CODES.has(code)) return {reason: 'its answer is not TLS: is it a port without TLS (http://)?', transient: false}
    // undici's HTTP parser: what came back is not HTTP/1.1 (a syslog port, a TLS port spoken to in plain text).
    if (code?.startsWith('HPE_') || current.name === 'HTTPParserError') return {reason: 'its answer is not HTTP: is it the API\'s port?', transient: false}
    current = current instanceof AggregateError && current.errors.length > 0 ? current.errors[0] : current.cause
  }

  return undefined
}

/** Network failures that the same request meets again: not worth a retry. */
const PERMANENT = new Set(['CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID'])
