/** One server-sent event: its data (lines joined by `\n`) and the stream's last event id when it was sent. */
export interface ServerSentEvent {
  data: string
  /** The `id` in force for this event (the last one sent, per the spec); '' when the server sends none. */
  id: string
  type: string
}

const LF = 10
const CR = 13

/**
 * Decodes a `text/event-stream` body as the WHATWG spec does: `field: value` lines, an event per blank line,
 * `:` comments (and `retry:`, which the reader's own backoff replaces), any of CRLF, LF or CR ending a line. Chunks may split lines and UTF-8 characters anywhere.
 */
export class EventStreamDecoder {
  /**
   * The spec's last event id, set as soon as an `id:` line is read. To resume without a loss, send the id of
   * the last event received whole instead: an `id:` line may arrive before its event is cut off.
   */
  lastEventId = ''
  private readonly text = new TextDecoder('utf-8')
  private partial = ''
  private data: string[] = []
  private type = ''
  private afterCR = false

  /** Decodes what it can of `chunk` and returns the events it completed, in order. */
  push(chunk: Uint8Array): ServerSentEvent[] {
    let text = this.text.decode(chunk, {stream: true})
    // A CR ending the last chunk already ended its line: an LF opening this one belongs to it.
    if (this.afterCR && text.length > 0) {
      if (text.charCodeAt(0) === LF) text = text.slice(1)
      this.afterCR = false
    }

    const events: ServerSentEvent[] = []
    let start = 0
    // Servers end lines with LF alone: then the native search finds them, much faster than a loop per character.
    if (!text.includes('\r')) {
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        this.line(this.partial === '' ? text.slice(start, end) : this.partial + text.slice(start, end), events)
        this.partial = ''
        start = end + 1
      }

      this.partial += text.slice(start)
      return events
    }

    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i)
      if (code !== LF && code !== CR) continue
      this.line(this.partial + text.slice(start, i), events)
      this.partial = ''
      if (code === CR) {
        if (i + 1 === text.length) this.afterCR = true
        else if (text.charCodeAt(i + 1) === LF) i++
      }

      start = i + 1
    }

    this.partial += text.slice(start)
    return events
  }

  private line(line: string, events: ServerSentEvent[]): void {
    if (line === '') {
      this.dispatch(events)
      return
    }

    if (line.startsWith('data: ')) {
      this.data.push(line.slice(6))
      return
    }

    if (line.startsWith(':')) return
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    switch (field) {
      case 'data': {
        this.data.push(value)
        break
      }

      case 'event': {
        this.type = value
        break
      }

      case 'id': {
        if (!value.includes('\0')) this.lastEventId = value
        break
      }
    }
  }

  private dispatch(events: ServerSentEvent[]): void {
    if (this.data.length > 0) events.push({data: this.data.join('\n'), id: this.lastEventId, type: this.type || 'message'})
    this.data = []
    this.type = ''
  }
}
