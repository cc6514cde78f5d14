import type {ClusterStatus} from '../cluster/cluster.js'
import {DROP_REASONS, type DropCounter, type DropReason} from '../drops.js'
import type {AppAlertSummary} from '../alerts/alerts.js'
import type {App} from '../store.js'
import type {Traffic} from './traffic.js'
import type {UdpReceiveBuffer} from './udp-buffer.js'

/** The kernel's count of datagrams it dropped for the syslog UDP socket, beside the router's own reasons. */
export type StatusDropReason = DropReason | 'udp_kernel_drops'

/** `GET /status` (behind the API key): the router as `logsift status` shows it. */
export interface RouterStatus {
  started_at: string
  uptime_seconds: number
  listeners: ListenerStatus[]
  /** Open log session streams. */
  sessions: number
  udp_receive_buffer: {requested_bytes: number; granted_bytes: number; capped: boolean; rmem_max_bytes: number | null}
  /** Router-wide totals, app or not; `udp_kernel_drops` is null where the kernel does not say (not Linux). */
  drops: Record<StatusDropReason, number | null>
  apps: AppStatus[]
  /** `serve --nats` only: the cluster's nodes, NATS servers and stream. */
  cluster?: ClusterStatus
}

export interface ListenerStatus {
  name: 'http' | 'https' | 'metrics' | 'syslog_tcp' | 'syslog_tls' | 'syslog_udp'
  url: string
  /** Open connections; absent for UDP. */
  connections?: number
}

export interface AppStatus {
  id: string
  name: string
  /** Messages accepted for it. */
  messages_in: number
  /**
   * Messages written to log session clients (recent lines, history and tails, the L11 line included), and
   * taken by its drains' receivers (the L10 line included).
   */
  messages_out: {sessions: number; drains: number}
  drops: Record<DropReason, number>
  /** Its alert rules: how many, how many firing, notifications sent, failed attempts and given up. */
  alerts: AppAlertSummary
  /** Each drain: where it is in the app's log and how far behind its end. */
  drains: DrainPosition[]
}

/** A drain of an app as `GET /status` shows it; the URL without its password. */
export interface DrainPosition {
  id: string
  url: string
  state: string
  /** Messages its receiver took, and messages it dropped (L10 and refused), kept across restarts as drains:info shows them. */
  delivered: number
  dropped: number
  /** The offset it delivers next; null until it has read its saved position. */
  position: number | null
  /** Messages between the position and the end of the app's log. */
  lag: number | null
  /** On a cluster: the node delivering it (holding its lease), null while none does. */
  node?: string | null
  /** On a cluster: whether the node answering delivers it; when not, `state` is not the delivery's (`idle`). */
  delivered_here?: boolean
}

/** Where the status is read from; the router's own parts, so this file needs no server. */
export interface StatusSources {
  startedAt: number
  alerts: (appId: string) => AppAlertSummary
  apps: () => readonly App[]
  drops: DropCounter
  traffic: Traffic
  listeners: () => Promise<ListenerStatus[]>
  sessions: () => number
  udpBuffer: UdpReceiveBuffer
  udpKernelDrops: () => Promise<number | undefined>
  /** The app's drains and their positions. */
  drains: (appId: string) => Promise<DrainPosition[]>
}

/** The router as it is now: what `GET /status` answers and `/metrics` is read from. */
export async function routerStatus(sources: StatusSources): Promise<RouterStatus> {
  const [listeners, kernelDrops] = await Promise.all([sources.listeners(), sources.udpKernelDrops()])
  const {udpBuffer} = sources
  const now = Date.now()
  return {
    apps: await Promise.all(sources.apps().map((app) => appStatus(app, sources))),
    drops: {...sources.drops.snapshot(), udp_kernel_drops: kernelDrops ?? null},
    listeners,
    sessions: sources.sessions(),
    started_at: new Date(sources.startedAt).toISOString(),
    udp_receive_buffer: {
      capped: udpBuffer.capped, granted_bytes: udpBuffer.grantedBytes, requested_bytes: udpBuffer.requestedBytes, rmem_max_bytes: udpBuffer.rmemMaxBytes ?? null,
    },
    uptime_seconds: Math.floor((now - sources.startedAt) / 1000),
  }
}

/** The `log_drops` field logsift's router adds to `GET /apps/{app}`: only the reasons that happened. */
export function appDrops(drops: DropCounter, appId: string): Partial<Record<DropReason, number>> {
  const counts = drops.forApp(appId)
  return Object.fromEntries(DROP_REASONS.filter((reason) => counts[reason] > 0).map((reason) => [reason, counts[reason]]))
}

async function appStatus(app: App, sources: StatusSources): Promise<AppStatus> {
  const traffic = sources.traffic.forApp(app.id)
  return {
    drains: await sources.drains(app.id),
    alerts: sources.alerts(app.id),
    drops: sources.drops.forApp(app.id),
    id: app.id,
    messages_in: traffic.received,
    messages_out: {drains: traffic.drained, sessions: traffic.streamed},
    name: app.name,
  }
}
