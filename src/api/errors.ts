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
}

/** The reason a request never got an answer, in words, or undefined when `error` is not a network error. */
export function networkReason(error: unknown): string | undefined {
  let current: unknown = error
  // undici wraps the socket's error; AggregateError holds one per address tried (::1 and 127.0.0.1).
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const {code} = current as NodeJS.ErrnoException
    if (code && NETWORK_REASONS[code]) return NETWORK_REASONS[code]
    current = current instanceof AggregateError && current.errors.length > 0 ? current.errors[0] : current.cause
  }

  return undefined
}
