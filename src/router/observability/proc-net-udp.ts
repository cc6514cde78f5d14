import {readFile} from 'node:fs/promises'
import {isIPv4, isIPv6} from 'node:net'

/** One socket's row of Linux's /proc/net/udp or /proc/net/udp6. */
export interface UdpSocketRow {
  /** As the kernel prints it: hex, each 32-bit word in host byte order. */
  localAddressHex: string
  localPort: number
  /** Bytes waiting to be read. */
  rxQueue: number
  /** Datagrams the kernel dropped for this socket, mostly for want of receive buffer room. */
  drops: number
}

/** The rows of a /proc/net/udp{,6} text; the header and malformed lines are skipped. */
export function parseProcNetUdp(text: string): UdpSocketRow[] {
  const rows: UdpSocketRow[] = []
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 13 || !/^\d+:$/.test(fields[0])) continue
    const [address, port] = fields[1].split(':')
    const rxQueue = fields[4].split(':')[1]
    if (port === undefined || rxQueue === undefined) continue
    rows.push({drops: Number(fields[12]), localAddressHex: address, localPort: Number.parseInt(port, 16), rxQueue: Number.parseInt(rxQueue, 16)})
  }

  return rows
}

/** How the kernel prints `address` in those files (a little-endian machine's host byte order). */
export function procAddressHex(address: string): string | undefined {
  const bytes = addressBytes(address)
  if (bytes === undefined) return undefined
  let hex = ''
  for (let word = 0; word < bytes.length; word += 4) {
    for (let i = 3; i >= 0; i--) hex += bytes[word + i].toString(16).padStart(2, '0')
  }

  return hex.toUpperCase()
}

function addressBytes(address: string): number[] | undefined {
  if (isIPv4(address)) return address.split('.').map(Number)
  if (!isIPv6(address)) return undefined
  let text = address.replace(/%.*$/, '')
  // An embedded IPv4 tail (::ffff:1.2.3.4) as two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4 !== null) {
    const [a, b, c, d] = v4[1].split('.').map(Number)
    text = text.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }

  const [head, tail] = text.split('::')
  const groups = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':'))
  const left = groups(head)
  const right = groups(tail)
  const middle = tail === undefined ? [] : Array.from({length: 8 - left.length - right.length}, () => '0')
  const bytes: number[] = []
  for (const group of [...left, ...middle, ...right]) {
    const value = Number.parseInt(group, 16)
    bytes.push(value >> 8, value & 0xff)
  }

  return bytes
}

/**
 * The kernel's drop count for the UDP socket bound to `address`:`port`, from /proc/net/udp (or udp6);
 * undefined where there is no such file (not Linux) or no such row.
 */
export async function udpKernelDrops(address: string, port: number): Promise<number | undefined> {
  const hex = procAddressHex(address)
  const file = isIPv6(address) ? '/proc/net/udp6' : '/proc/net/udp'
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }

  const row = parseProcNetUdp(text).find((each) => each.localPort === port && each.localAddressHex === hex)
  return row?.drops
}
