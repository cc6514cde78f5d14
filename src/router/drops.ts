/**
 * Why input or output was refused, counted so a limit is never hit silently:
 * - `body_too_large`, `bad_request`, `unauthorized`: HTTP input requests answered 413, 400 or 401;
 * - `connections`: TCP connections (HTTP or syslog) refused, or idle ones closed for new ones, at the limits;
 * - `syslog_malformed`, `syslog_unknown_app`, `syslog_too_large`: syslog messages dropped (a connection cut
 *   for an over-long unit counts once);
 * - `session_overflow`: messages a slow session client did not get (it is told with an L11 line);
 * - `drain_overflow`: messages retention removed before a drain reached them (the receiver is told with an L10 line);
 * - `drain_rejected`: messages in batches a drain's receiver refused (4xx);
 * - `log_write_failed`: syslog messages (and the router's own lines) the app's durable log could not store;
 * - `udp_backlog`: syslog datagrams read but dropped because too many were waiting to be routed.
 */
export const DROP_REASONS = [
  'bad_request', 'body_too_large', 'connections', 'drain_overflow', 'drain_rejected', 'log_write_failed', 'session_overflow',
  'syslog_malformed', 'syslog_too_large', 'syslog_unknown_app', 'udp_backlog', 'unauthorized',
] as const
export type DropReason = (typeof DROP_REASONS)[number]
export type DropCounts = Readonly<Record<DropReason, number>>

/** Who or what a drop came from, for the router's log: the first drop of each cause from it is written there. */
export interface DropOrigin {
  /** As the log line names it: `syslog from 127.0.0.1:5123`, `drain https://host/path of demo`. */
  readonly sender: string
  /** What notices are rate-limited by: the sender's address without its port, a drain's id. */
  readonly key: string
  /** What about this drop the reason alone does not say: the app name a syslog message asked for. */
  readonly detail?: string
}

/** Told of a drop that has an origin; decides itself whether to write a line (see DropNotices). */
export type DropListener = (reason: DropReason, count: number, origin: DropOrigin) => void

function zeroCounts(): Record<DropReason, number> {
  return Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>
}

/**
 * Drops by reason, router-wide and per app (by app id) for those that have an app. An app-less drop (an
 * unknown app, a frame with no app, a refused connection) counts only router-wide.
 */
export class DropCounter {
  private readonly counts = zeroCounts()
  private readonly byApp = new Map<string, Record<DropReason, number>>()

  constructor(private readonly listener?: DropListener) {}

  count(reason: DropReason, n = 1, appId?: string, origin?: DropOrigin): void {
    this.counts[reason] += n
    if (appId !== undefined) {
      let counts = this.byApp.get(appId)
      if (counts === undefined) this.byApp.set(appId, (counts = zeroCounts()))
      counts[reason] += n
    }

    if (origin !== undefined) this.listener?.(reason, n, origin)
  }

  /** Router-wide: every drop, with or without an app. */
  snapshot(): DropCounts {
    return {...this.counts}
  }

  /** The drops of one app (zeros when it has had none). */
  forApp(appId: string): DropCounts {
    const counts = this.byApp.get(appId)
    return counts === undefined ? zeroCounts() : {...counts}
  }
}
