import {useEffect, useMemo, useRef, useState} from 'preact/hooks'

import {LoggedOut, type PageMessage, postJson, RouterError} from './api.js'
import {readSession, SessionGone} from './event-stream.js'
import {FilterBox, withFlag} from './filter-box.js'
import {ItemList, VirtualList} from './virtual-list.js'

/** Messages the tail keeps in memory; the DOM holds only what is on screen. */
const TAIL_CAPACITY = 50_000
/** What the tail shows first: the router's whole recent buffer for the app. */
const BACKLOG_LINES = 1500
const RETRY_MS = 1000

/**
 * One app's tail: a log session filtered in the router, read until paused. Resuming (or reconnecting after a
 * drop) reads the same session from the last event id, so nothing is lost or repeated; a session that has
 * gone is made again and read from that id too.
 */
class TailStream {
  private path: string | undefined
  private lastId: number | undefined
  /** The reading loop's; aborted (or undefined) while paused. */
  private controller: AbortController | undefined
  private stopped = false

  constructor(
    private readonly app: string,
    private readonly filter: string,
    private readonly handlers: {messages: (messages: PageMessage[]) => void; problem: (text: string | undefined) => void; loggedOut: () => void},
  ) {}

  start(): void {
    if (this.stopped || (this.controller !== undefined && !this.controller.signal.aborted)) return
    // A paused loop may still be unwinding; it ends on its own aborted signal, this one has a new one.
    this.controller = new AbortController()
    this.loop(this.controller)
  }

  pause(): void {
    this.controller?.abort()
    this.controller = undefined
  }

  stop(): void {
    this.stopped = true
    this.pause()
  }

  private async loop(controller: AbortController): Promise<void> {
    while (!controller.signal.aborted && !this.stopped) {
      try {
        this.path ??= (await postJson<{path: string}>(`/web/api/apps/${encodeURIComponent(this.app)}/log-sessions`, {filter: this.filter, lines: BACKLOG_LINES})).path
        this.handlers.problem(undefined)
        await readSession(this.path, this.lastId, controller.signal, (messages) => {
          this.lastId = messages.at(-1)!.id
          this.handlers.messages(messages)
        })
      } catch (error) {
        if (controller.signal.aborted) return
        if (error instanceof LoggedOut) return this.handlers.loggedOut()
        if (error instanceof RouterError) return this.handlers.problem(error.message)
        if (error instanceof SessionGone) this.path = undefined
        else this.handlers.problem(`reconnecting: ${(error as Error).message}`)
      }

      await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
    }
  }
}

interface Props {
  app: string
  filter: string
  setFilter: (filter: string) => void
  timeZone: string | undefined
  loggedOut: () => void
}

export function Tail({app, filter, loggedOut, setFilter, timeZone}: Props) {
  const list = useMemo(() => new ItemList(TAIL_CAPACITY), [app, filter])
  const [version, setVersion] = useState(0)
  const [paused, setPaused] = useState(false)
  const [follow, setFollow] = useState(true)
  const [problem, setProblem] = useState<string | undefined>()
  const [received, setReceived] = useState(0)
  const stream = useRef<TailStream>()

  useEffect(() => {
    let frame = 0
    let count = 0
    const tail = new TailStream(app, filter, {
      loggedOut,
      messages(messages) {
        list.append(messages)
        count += messages.length
        // One render a frame, however many messages arrive in it.
        frame ||= requestAnimationFrame(() => {
          frame = 0
          setReceived(count)
          setVersion((v) => v + 1)
        })
      },
      problem: setProblem,
    })
    stream.current = tail
    setPaused(false)
    setFollow(true)
    tail.start()
    return () => {
      tail.stop()
      cancelAnimationFrame(frame)
    }
  }, [app, filter])

  const toggle = () => {
    if (paused) stream.current?.start()
    else stream.current?.pause()
    setPaused(!paused)
  }

  return (
    <section class="tail">
      <FilterBox onApply={setFilter} problem={problem} value={filter} />
      <div class="toolbar">
        <button aria-pressed={paused} data-testid="pause" onClick={toggle} type="button">{paused ? 'Resume' : 'Pause'}</button>
        <label><input checked={follow} onChange={() => setFollow(!follow)} type="checkbox" /> Follow</label>
        <span class="count" data-testid="received">{received} messages</span>
      </div>
      <VirtualList
        click={(flag) => setFilter(withFlag(filter, flag))} follow={follow && !paused} list={list}
        onScrolled={(atEnd) => setFollow(atEnd)} timeZone={timeZone} version={version}
      />
    </section>
  )
}
