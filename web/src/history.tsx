import {useEffect, useMemo, useRef, useState} from 'preact/hooks'

import {getJson, type HistoryPage, LoggedOut} from './api.js'
import {FilterBox, withFlag} from './filter-box.js'
import {boundFor, showTime, type ZoneChoice} from './time-range.js'
import {ItemList, VirtualList} from './virtual-list.js'

/** Rows to show before waiting for the user to scroll for more. */
const MIN_ROWS = 100

export interface RangeInput {
  since: string
  until: string
}

/** The range form: relative (15m, 2h) or absolute times, read in the viewer's zone or UTC. */
export function RangeForm({onApply, range, zone}: {range: RangeInput; zone: ZoneChoice; onApply: (range: RangeInput) => void}) {
  const [since, setSince] = useState(range.since)
  const [until, setUntil] = useState(range.until)
  useEffect(() => {
    setSince(range.since)
    setUntil(range.until)
  }, [range.since, range.until])
  return (
    <form class="range" onSubmit={(event) => {
      event.preventDefault()
      onApply({since: since.trim(), until: until.trim()})
    }}>
      <label>From <input aria-label="since" name="since" onInput={(event) => setSince((event.target as HTMLInputElement).value)} placeholder="1h or 2024-05-01 12:00" value={since} /></label>
      <label>to <input aria-label="until" name="until" onInput={(event) => setUntil((event.target as HTMLInputElement).value)} placeholder="now" value={until} /></label>
      <span class="hint">times without an offset are {zone === 'utc' ? 'UTC' : 'your local time'}</span>
      <button type="submit">Show</button>
    </form>
  )
}

interface Props {
  app: string
  filter: string
  range: RangeInput
  zone: ZoneChoice
  timeZone: string
  setView: (view: {filter?: string; range?: RangeInput}) => void
  loggedOut: () => void
}

/** The app's durable log over a range, newest first, loading older pages as the user scrolls down. */
export function History({app, filter, loggedOut, range, setView, timeZone, zone}: Props) {
  const list = useMemo(() => new ItemList(Number.MAX_SAFE_INTEGER), [app, filter, range.since, range.until, zone])
  const [version, setVersion] = useState(0)
  const [page, setPage] = useState<HistoryPage | undefined>()
  const [problem, setProblem] = useState<string | undefined>()
  const [loading, setLoading] = useState(false)
  const cursor = useRef<{after: number; before: null | number; now: number; loading: boolean}>({after: 0, before: null, loading: false, now: Date.now()})
  const query = {filter, since: boundFor(range.since, zone), until: boundFor(range.until, zone)}

  const load = async (first: boolean) => {
    const state = cursor.current
    if (state.loading || (!first && state.before === null)) return
    state.loading = true
    setLoading(true)
    try {
      const answer = await getJson<HistoryPage>(`/web/api/apps/${encodeURIComponent(app)}/history`, {
        ...query, after: first ? undefined : String(state.after), before: first ? undefined : String(state.before), now: String(state.now),
      })
      if (cursor.current !== state) return
      state.before = answer.before
      state.after = answer.after
      list.append(answer.messages)
      setPage(answer)
      setProblem(undefined)
      setVersion((v) => v + 1)
    } catch (error) {
      if (error instanceof LoggedOut) return loggedOut()
      setProblem((error as Error).message)
    } finally {
      state.loading = false
      setLoading(false)
    }

    // A page too short to scroll (a narrow filter) would never ask for the next: ask now.
    if (cursor.current === state && state.before !== null && list.items.length < MIN_ROWS) load(false)
  }

  useEffect(() => {
    cursor.current = {after: 0, before: null, loading: false, now: Date.now()}
    setPage(undefined)
    load(true)
  }, [app, filter, range.since, range.until, zone])

  const link = page === undefined ? undefined : `#/apps/${encodeURIComponent(app)}/history?${new URLSearchParams({filter, since: page.since ?? '', until: page.until ?? ''})}`
  return (
    <section class="history">
      <RangeForm onApply={(next) => setView({range: next})} range={range} zone={zone} />
      <FilterBox onApply={(next) => setView({filter: next})} problem={problem} value={filter} />
      {page === undefined ? null : (
        <div class="toolbar">
          <span>{showTime(page.since, zone)} – {showTime(page.until, zone)}, newest first</span>
          <code class="command" data-testid="command">{page.command}</code>
          <button onClick={() => navigator.clipboard?.writeText(page.command)} type="button">Copy</button>
          <a href={link}>Link to this view</a>
          <span class="count" data-testid="shown">{list.items.length} shown{cursor.current.before === null ? ', all' : ''}{loading ? ', loading…' : ''}</span>
        </div>
      )}
      <VirtualList
        click={(flag) => setView({filter: withFlag(filter, flag)})} follow={false} list={list}
        onScrolled={(atEnd) => atEnd && load(false)} timeZone={timeZone} version={version}
      />
    </section>
  )
}
