import {NOT_TLS_CODES} from '../../api/errors.js'
import type {Outgoing} from './frames.js'

/** One attempt's worth of messages; `frameId` stays the same across retries of the same batch. */
export interface OutgoingBatch {
  readonly frameId: string
  readonly messages: readonly Outgoing[]
}

/**
 * How an attempt failed:
 * - `retry`: the receiver may take it later (network error, timeout, 429, 5xx);
 * - `reject`: it never will (4xx other than 429): the batch is dropped and counted;
 * - `certificate`: the receiver's certificate did not verify; retried, and reported into the app's log (L14).
 */
export type FailureKind = 'certificate' | 'reject' | 'retry'

/** A failed attempt; the message never holds a URL's credentials. */
export class DeliveryError extends Error {
  constructor(readonly kind: FailureKind, message: string) {
    super(message)
  }
}

/** Sends batches to one drain, one at a time, in order. */
export interface Transport {
  /** Resolves once the receiver has the batch (HTTP: a 2xx answer; syslog: written to the socket); throws DeliveryError. */
  send(batch: OutgoingBatch): Promise<void>
  /** Cuts any attempt in progress and frees the connection. */
  close(): void
}

/** OpenSSL's verification failures and Node's name check: the receiver is not who the URL says. */
const CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'CERT_UNTRUSTED', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH', 'INVALID_CA', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
])

/** A network-level failure as a DeliveryError: a certificate problem, or something worth retrying. */
export function networkFailure(error: unknown): DeliveryError {
  if (error instanceof DeliveryError) return error
  const {code, message} = error as NodeJS.ErrnoException
  const cause = (error as {cause?: NodeJS.ErrnoException}).cause
  const codes = [code, cause?.code]
  if (codes.some((each) => each !== undefined && CERTIFICATE_CODES.has(each))) {
    return new DeliveryError('certificate', cause?.code === undefined || code === cause.code ? message : cause.message)
  }

  if (codes.some((each) => each !== undefined && NOT_TLS_CODES.has(each))) {
    return new DeliveryError('retry', 'the receiver\'s answer is not TLS: is it a port without TLS (syslog://, http://)?')
  }

  // OpenSSL's messages run over lines; the state is shown on one (drains:info, status).
  const firstLine = message.split('\n', 1)[0].trim()
  return new DeliveryError('retry', code === undefined || firstLine.includes(code) ? firstLine : `${code}: ${firstLine}`)
}
