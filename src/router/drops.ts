/**
 * Why input or output was refused, counted so a limit is never hit silently:
 * - `body_too_large`, `bad_request`, `unauthorized`: HTTP input requests answered 413, 400 or 401;
 * - `connections`: TCP connections (HTTP or syslog) refused at the `maxConnections` limit;
 * - `syslog_malformed`, `syslog_unknown_app`, `syslog_too_large`: syslog messages dropped (a connection cut
 *   for an over-long unit counts once);
 * - `session_overflow`: messages a slow session client did not get (it is told with an L11 line);
 * - `log_write_failed`: syslog messages (and the router's own lines) the app's durable log could not store.
 */
export const DROP_REASONS = [
  'bad_request', 'body_too_large', 'connections', 'log_write_failed', 'session_overflow', 'syslog_malformed', 'syslog_too_large',
  'syslog_unknown_app', 'unauthorized',
] as const
export type DropReason = (typeof DROP_REASONS)[number]
export type DropCounts = Readonly<Record<DropReason, number>>

export class DropCounter {
  private readonly counts = Object.fromEntries(DROP_REASONS.map((reason) => [reason, 0])) as Record<DropReason, number>

  count(reason: DropReason, n = 1): void {
    this.counts[reason] += n
  }

  snapshot(): DropCounts {
    return {...this.counts}
  }
}
