import type {DropOrigin, DropReason} from '../drops.js'

export interface DropNoticeOptions {
  /** At most one line per cause per sender in this time. Default 60 s. */
  windowMs?: number
  /** At most this many lines in all per window, so many senders cannot flood the log. Default 50. */
  maxPerWindow?: number
}

/** What a reason's line says was lost, and why. */
const WHAT: Record<DropReason, {noun: string; verb: string; why: string}> = {
  bad_request: {noun: 'request', verb: 'refused', why: 'not a valid log input request'},
  body_too_large: {noun: 'request', verb: 'refused', why: 'body larger than the router accepts'},
  connections: {noun: 'connection', verb: 'refused or closed', why: 'too many open connections: an idle one makes room for a new one'},
  drain_overflow: {noun: 'message', verb: 'dropped', why: 'L10: retention removed them before the drain reached them'},
  drain_rejected: {noun: 'message', verb: 'dropped', why: 'the drain refused them'},
  log_write_failed: {noun: 'message', verb: 'dropped', why: 'the app\'s durable log could not store them'},
  session_overflow: {noun: 'message', verb: 'dropped', why: 'L11: the session client reads too slowly'},
  syslog_malformed: {noun: 'message', verb: 'dropped', why: 'not syslog'},
  syslog_too_large: {noun: 'message', verb: 'dropped', why: 'longer than the largest message accepted'},
  syslog_unknown_app: {noun: 'message', verb: 'dropped', why: 'it names no app of this router'},
  udp_backlog: {noun: 'message', verb: 'dropped', why: 'the router could not keep up with the datagrams'},
  unauthorized: {noun: 'request', verb: 'refused', why: 'no valid input token or credentials'},
}

/** Senders remembered at most; the longest quiet are forgotten first. */
const MAX_REMEMBERED = 4096

/**
 * The router's log lines about drops: the first drop of each cause from each sender is written, with what to
 * do; later ones in the same window are only counted (`logsift status` shows them). Bounded in memory and in
 * lines, however many senders there are.
 */
export class DropNotices {
  private readonly lastAt = new Map<string, number>()
  private readonly windowMs: number
  private readonly maxPerWindow: number
  private windowStart = -Infinity
  private written = 0

  constructor(private readonly log: (line: string) => void, options: DropNoticeOptions = {}) {
    this.windowMs = options.windowMs ?? 60_000
    this.maxPerWindow = options.maxPerWindow ?? 50
  }

  /** The DropListener of the router's DropCounter. */
  readonly notice = (reason: DropReason, count: number, origin: DropOrigin): void => {
    const now = Date.now()
    const key = `${reason} ${origin.key}`
    const last = this.lastAt.get(key)
    if (last !== undefined && now - last < this.windowMs) return
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now
      this.written = 0
    }

    if (this.written > this.maxPerWindow) return
    this.written++
    this.remember(key, now)
    if (this.written > this.maxPerWindow) {
      this.log(`more senders had messages dropped; their notices are left out for ${Math.ceil(this.windowMs / 1000)} s, but every drop is counted: see logsift status`)
      return
    }

    this.log(dropLine(reason, count, origin))
  }

  private remember(key: string, now: number): void {
    // Deleted first so the map's order stays oldest-first, which is what is forgotten at the limit.
    this.lastAt.delete(key)
    this.lastAt.set(key, now)
    if (this.lastAt.size > MAX_REMEMBERED) this.lastAt.delete(this.lastAt.keys().next().value!)
  }
}

/** `syslog from 127.0.0.1:5123: 1 message dropped (unknown app "foo"); further drops ... see logsift status` */
export function dropLine(reason: DropReason, count: number, origin: DropOrigin): string {
  const {noun, verb, why} = WHAT[reason]
  const cause = reason === 'syslog_unknown_app' && origin.detail !== undefined ? `unknown app "${origin.detail}"` : why
  return `${origin.sender}: ${count} ${noun}${count === 1 ? '' : 's'} ${verb} (${cause}); further drops from this sender are counted, see logsift status`
}
