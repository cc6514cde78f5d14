import {Component} from 'preact'
import {useEffect, useLayoutEffect, useMemo, useRef, useState} from 'preact/hooks'

import type {PageMessage} from './api.js'
import {type FilterClick, Line, type RenderedLine, renderLine} from './line.js'

/** Pixel height of one text line; app.css gives `.line` the same, and lines never wrap, so heights are exact. */
export const LINE_HEIGHT = 18
/** Text lines rendered above and below the visible ones. */
const OVERSCAN_LINES = 40

/** A message in a list, with its place: `top` is in text lines from the list's start. */
export interface ListItem {
  message: PageMessage
  lineCount: number
  top: number
  rendered?: RenderedLine
  timeZone?: string
}

/**
 * Messages in order, appended or trimmed in place (the owner bumps `version` to show a change). Only what
 * is on screen is in the DOM, and only that is formatted: a busy tail keeps a bounded number of rows.
 */
export class ItemList {
  items: ListItem[] = []

  constructor(private readonly capacity: number) {}

  get totalLines(): number {
    const last = this.items.at(-1)
    return last === undefined ? 0 : last.top + last.lineCount
  }

  append(messages: readonly PageMessage[]): void {
    let top = this.totalLines
    for (const message of messages) {
      const lineCount = countLines(message.line)
      this.items.push({lineCount, message, top})
      top += lineCount
    }

    if (this.items.length > this.capacity) {
      // Dropped in chunks: renumbering every top is linear, so it is done rarely.
      this.items = this.items.slice(this.items.length - Math.floor(this.capacity * 0.9))
      let at = 0
      for (const item of this.items) {
        item.top = at
        at += item.lineCount
      }
    }
  }

  clear(): void {
    this.items = []
  }

  /** The index of the first item that ends after `line`. */
  indexAt(line: number): number {
    let low = 0
    let high = this.items.length
    while (low < high) {
      const middle = (low + high) >>> 1
      const item = this.items[middle]
      if (item.top + item.lineCount <= line) low = middle + 1
      else high = middle
    }

    return low
  }
}

function countLines(text: string): number {
  let count = 1
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++
  return count
}

interface Props {
  list: ItemList
  version: number
  timeZone: string | undefined
  /** Keep the newest (last) line in view as lines arrive. */
  follow: boolean
  click?: FilterClick
  /** The user scrolled away from the end (tail) or near it (history loads more). */
  onScrolled?: (atEnd: boolean) => void
}

interface RowProps {
  id: number
  top: number
  line: RenderedLine
  click: FilterClick | undefined
}

/**
 * One message's row, drawn again only when its line (a new time zone) or its place changes: a line arriving
 * in a busy tail draws that row alone, not again every row on screen (about 135 row draws for each line, 70
 * to 240 ms of the page's main thread a line on a loaded 2-core machine, against a few ms now).
 */
class Row extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    return next.line !== this.props.line || next.top !== this.props.top || next.click !== this.props.click
  }

  override render({click, id, line, top}: RowProps) {
    return (
      <div class="row" data-id={id} style={{top: `${top * LINE_HEIGHT}px`}}>
        <Line click={click} line={line} />
      </div>
    )
  }
}

/** The box's scroll position and height, kept as they were when unchanged, so that no render follows. */
type View = {height: number; top: number}
const viewOf = (element: HTMLElement) => (old: View): View =>
  old.top === element.scrollTop && old.height === element.clientHeight ? old : {height: element.clientHeight, top: element.scrollTop}

export function VirtualList({click, follow, list, onScrolled, timeZone, version}: Props) {
  const box = useRef<HTMLDivElement>(null)
  const [view, setView] = useState<View>({height: 600, top: 0})
  const total = list.totalLines * LINE_HEIGHT
  // One function for every row's clicks, for as long as the list has one: the rows need not be drawn again
  // when the owner's handler is a new closure.
  const latestClick = useRef(click)
  latestClick.current = click
  const hasClick = click !== undefined
  const rowClick = useMemo(() => (hasClick ? (flag: string) => latestClick.current?.(flag) : undefined), [hasClick])

  useEffect(() => {
    const element = box.current!
    const measure = () => setView(viewOf(element))
    const observer = new ResizeObserver(measure)
    observer.observe(element)
    measure()
    return () => observer.disconnect()
  }, [])

  useLayoutEffect(() => {
    const element = box.current!
    if (follow && element.scrollTop + element.clientHeight < total) element.scrollTop = total
    // The browser moves the scroll position itself when the content shrinks (a new list), without always
    // saying so with a scroll event: what is rendered follows where the box really is.
    setView(viewOf(element))
  }, [version, follow, total, list])

  const onScroll = () => {
    const element = box.current!
    setView(viewOf(element))
    onScrolled?.(element.scrollTop + element.clientHeight >= element.scrollHeight - LINE_HEIGHT * 4)
  }

  const firstLine = Math.max(0, Math.floor(view.top / LINE_HEIGHT) - OVERSCAN_LINES)
  const lastLine = Math.ceil((view.top + view.height) / LINE_HEIGHT) + OVERSCAN_LINES
  const rows = []
  for (let i = list.indexAt(firstLine); i < list.items.length && list.items[i].top <= lastLine; i++) {
    const item = list.items[i]
    if (item.rendered === undefined || item.timeZone !== timeZone) {
      item.rendered = renderLine(item.message, timeZone)
      item.timeZone = timeZone
    }

    rows.push(<Row click={rowClick} id={item.message.id} key={item.message.id} line={item.rendered} top={item.top} />)
  }

  return (
    <div class="list" onScroll={onScroll} ref={box}>
      <div class="list-body" style={{height: `${total}px`}}>{rows}</div>
    </div>
  )
}
