import {readFile} from 'node:fs/promises'
import {isIP} from 'node:net'
import {type ConnectionOptions, rootCertificates} from 'node:tls'

/**
 * The certificates drains trust: Node's bundled roots plus `NODE_EXTRA_CA_CERTS` (Node adds that file itself
 * unless a `ca` list is given) plus the `--ca` file. Undefined with no `--ca`: Node's defaults already hold
 * the first two.
 */
export async function drainCertificates(caFile: string | undefined): Promise<string[] | undefined> {
  if (caFile === undefined) return undefined
  const read = (file: string) => readFile(file, 'utf8').catch((error: Error) => {
    throw new Error(`cannot read the CA file ${file}: ${error.message}`)
  })
  const extra = process.env.NODE_EXTRA_CA_CERTS
  return [...rootCertificates, ...(extra ? [await read(extra)] : []), await read(caFile)]
}

/**
 * TLS 1.2 or newer to the URL's host, verifying chain and name unless the URL ends in `#insecure` (which keeps
 * the encryption and drops only the check). An IP address is checked against the certificate's IP names.
 */
export function drainTlsOptions(url: URL, ca: string[] | undefined): ConnectionOptions {
  const host = hostOf(url)
  return {
    ca,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: url.hash !== '#insecure',
    ...(isIP(host) === 0 ? {servername: host} : {}),
  }
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1')
}
