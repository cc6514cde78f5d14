import {Pool} from 'undici'

import {logplexMessage, octetCounted} from './frames.js'
import {drainTlsOptions} from './tls-options.js'
import {DeliveryError, networkFailure, type OutgoingBatch, type Transport} from './transport.js'

export interface HttpsDrainOptions {
  token: string
  ca: string[] | undefined
  /** An answer that has not come in this time is a failure, retried. */
  timeoutMs: number
}

/**
 * `https://` and `http://`: each batch one POST of an `application/logplex-1` body with a known length (never
 * chunked), the headers Logplex sends, and Basic auth from the URL's userinfo (a user alone counts: Falcon
 * LogScale puts its ingest token there). One connection, so batches arrive in order; redirects are answers,
 * not followed (a 3xx is refused like a 4xx).
 */
export class HttpsTransport implements Transport {
  private readonly pool: Pool
  private readonly path: string
  private readonly headers: Record<string, string>

  constructor(url: URL, private readonly options: HttpsDrainOptions) {
    this.pool = new Pool(url.origin, {
      bodyTimeout: options.timeoutMs,
      connect: url.protocol === 'https:' ? drainTlsOptions(url, options.ca) : undefined,
      connections: 1,
      headersTimeout: options.timeoutMs,
      pipelining: 1,
    })
    this.path = (url.pathname || '/') + url.search
    this.headers = {
      'content-type': 'application/logplex-1',
      'logplex-drain-token': options.token,
      'user-agent': `logsift-router node/${process.versions.node}`,
    }
    if (url.username !== '' || url.password !== '') {
      const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
      this.headers.authorization = 'Basic ' + Buffer.from(credentials).toString('base64')
    }
  }

  async send(batch: OutgoingBatch): Promise<void> {
    const body = octetCounted(batch.messages.map((message) => logplexMessage(message)))
    let statusCode: number
    try {
      const response = await this.pool.request({
        body,
        headers: {...this.headers, 'logplex-frame-id': batch.frameId, 'logplex-msg-count': String(batch.messages.length)},
        method: 'POST',
        path: this.path,
      })
      statusCode = response.statusCode
      await response.body.dump()
    } catch (error) {
      throw networkFailure(error)
    }

    if (statusCode >= 200 && statusCode < 300) return
    const reason = `the receiver answered ${statusCode}`
    if (statusCode === 429 || statusCode >= 500) throw new DeliveryError('retry', reason)
    throw new DeliveryError('reject', statusCode < 400 ? `${reason} (redirects are not followed)` : reason)
  }

  close(): void {
    this.pool.destroy().catch(() => {})
  }
}
