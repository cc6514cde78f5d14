import type {PageMessage} from './api.js'

/** The session is gone (expired, or the router restarted): make a new one and resume from the last id. */
export class SessionGone extends Error {}

/**
 * Reads a log session as server-sent events with fetch, not EventSource: it sends `Last-Event-ID` on the
 * first request too (resuming after a pause) and the header that makes each event one whole message with its
 * PRI. Calls `onMessages` with what each chunk completed; resolves when the stream ends, rejects when it fails.
 */
export async function readSession(
  path: string,
  lastEventId: number | undefined,
  signal: AbortSignal,
  onMessages: (messages: PageMessage[]) => void,
): Promise<void> {
  const headers: Record<string, string> = {Accept: 'text/event-stream', 'Logsift-Message-Events': '1'}
  if (lastEventId !== undefined) headers['Last-Event-ID'] = String(lastEventId)
  const response = await fetch(path, {credentials: 'same-origin', headers, signal})
  if (response.status === 404) throw new SessionGone()
  if (!response.ok || response.body === null) throw new Error(`the log stream answered HTTP ${response.status}`)
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let pending = ''
  for (;;) {
    const {done, value} = await reader.read()
    if (done) return
    pending += value
    const end = pending.lastIndexOf('\n\n')
    if (end === -1) continue
    const messages = parseEvents(pending.slice(0, end))
    pending = pending.slice(end + 2)
    if (messages.length > 0) onMessages(messages)
  }
}

/** Whole events (`id`, `pri`, `data` lines; data lines of one event are one multi-line message). */
export function parseEvents(text: string): PageMessage[] {
  const messages: PageMessage[] = []
  for (const event of text.split('\n\n')) {
    let id = Number.NaN
    let pri: number | undefined
    const data: string[] = []
    for (const line of event.split('\n')) {
      if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5))
      else if (line.startsWith('id:')) id = Number(line.slice(3).trim())
      else if (line.startsWith('pri:')) pri = Number(line.slice(4).trim())
    }

    if (data.length > 0 && !Number.isNaN(id)) messages.push(pri === undefined ? {id, line: data.join('\n')} : {id, line: data.join('\n'), pri})
  }

  return messages
}
