import {readFile} from 'node:fs/promises'

/** What the syslog UDP socket asked the kernel for as its receive buffer, and what it got. */
export interface UdpReceiveBuffer {
  requestedBytes: number
  grantedBytes: number
  /** Linux's ceiling for an unprivileged SO_RCVBUF; undefined elsewhere. */
  rmemMaxBytes: number | undefined
  /** Less was granted than asked: a burst larger than the buffer is lost in the kernel (udp_kernel_drops). */
  capped: boolean
}

/** What was granted, from the SO_RCVBUF the socket reports after asking for `requestedBytes`. */
export async function udpReceiveBuffer(reportedBytes: number, requestedBytes: number): Promise<UdpReceiveBuffer> {
  // Linux doubles what is set (for its bookkeeping) and reports the doubled figure.
  const granted = process.platform === 'linux' ? Math.floor(reportedBytes / 2) : reportedBytes
  const rmemMax = await readFile('/proc/sys/net/core/rmem_max', 'utf8').then(Number, () => undefined)
  return {capped: granted < requestedBytes, grantedBytes: granted, requestedBytes, rmemMaxBytes: Number.isFinite(rmemMax) ? rmemMax : undefined}
}

/** For the startup line and `logsift status`: what was granted, and when capped, how to raise it. */
export function describeUdpBuffer(buffer: UdpReceiveBuffer): string {
  const granted = `UDP receive buffer ${formatBytes(buffer.grantedBytes)}`
  if (!buffer.capped) return granted
  const fix = buffer.rmemMaxBytes === undefined ? '' : `: net.core.rmem_max caps it, raise it with sysctl -w net.core.rmem_max=${buffer.requestedBytes}`
  return `${granted}, less than the ${formatBytes(buffer.requestedBytes)} asked${fix}`
}

/** `512 B`, `208 KiB`, `8 MiB`, `1.5 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`
  return `${bytes} B`
}
