import {render} from 'preact'
import {useEffect, useState} from 'preact/hooks'

import {getJson, LoggedOut, postJson} from './api.js'
import {Apps} from './apps.js'
import {Charts} from './charts.js'
import {History, type RangeInput} from './history.js'
import {Tail} from './tail.js'
import {timeZoneOf, type ZoneChoice} from './time-range.js'
import '../app.css'

type View = 'apps' | 'charts' | 'history' | 'tail'

/** Where the page is: `#/apps`, `#/apps/NAME/tail?filter=…`, `#/apps/NAME/history?since=…&until=…&filter=…`. */
interface Route {
  view: View
  app?: string
  params: URLSearchParams
}

function parseRoute(hash: string): Route {
  const [path, query = ''] = hash.replace(/^#/, '').split('?')
  const parts = path.split('/').filter(Boolean).map((part) => decodeURIComponent(part))
  const params = new URLSearchParams(query)
  if (parts[0] === 'apps' && parts[1] !== undefined && ['charts', 'history', 'tail'].includes(parts[2])) return {app: parts[1], params, view: parts[2] as View}
  return {params, view: 'apps'}
}

function routeHash(route: Route): string {
  const query = route.params.toString()
  const path = route.view === 'apps' ? '#/apps' : `#/apps/${encodeURIComponent(route.app!)}/${route.view}`
  return query === '' ? path : `${path}?${query}`
}

/**
 * `logsift open` puts a one-time token in the fragment (`#open=TOKEN&app=NAME`): swapped for the session
 * cookie at once, then removed from the address bar and history.
 */
async function swapOpenToken(): Promise<'failed' | 'none' | 'swapped'> {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''))
  const token = fragment.get('open')
  if (token === null) return 'none'
  const app = fragment.get('app')
  history.replaceState(null, '', app === null ? '#/apps' : `#/apps/${encodeURIComponent(app)}/tail`)
  try {
    await postJson('/web/api/login', {token})
    return 'swapped'
  } catch {
    return 'failed'
  }
}

function Login({onIn, problem}: {onIn: () => void; problem?: string}) {
  const [error, setError] = useState(problem)
  return (
    <form class="login" onSubmit={async (event) => {
      event.preventDefault()
      const input = (event.currentTarget as HTMLFormElement).elements.namedItem('key') as HTMLInputElement
      try {
        await postJson('/web/api/login', {key: input.value})
        input.value = ''
        onIn()
      } catch (failure) {
        setError((failure as Error).message)
      }
    }}>
      <h1>logsift router</h1>
      <p>Run <code>logsift open</code> on the router's machine, or enter its API key (<code>logsift serve</code> prints where it is).</p>
      <label>API key <input autocomplete="off" name="key" required type="password" /></label>
      <button type="submit">Log in</button>
      {error === undefined ? null : <p class="problem" role="alert">{error}</p>}
    </form>
  )
}

function Page() {
  const [route, setRoute] = useState(() => parseRoute(location.hash))
  const [state, setState] = useState<'checking' | 'in' | 'out'>('checking')
  const [problem, setProblem] = useState<string | undefined>()
  const [zone, setZone] = useState<ZoneChoice>('local')

  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash))
    addEventListener('hashchange', onHash)
    ;(async () => {
      const swapped = await swapOpenToken()
      setRoute(parseRoute(location.hash))
      if (swapped === 'failed') setProblem('That link was used already or has expired: run `logsift open` again, or log in with the API key.')
      // Just logged in by the link: no need to ask whether the session works before showing the view.
      if (swapped === 'swapped') return setState('in')
      try {
        await getJson('/web/api/apps')
        setState('in')
      } catch (error) {
        if (!(error instanceof LoggedOut)) setProblem((error as Error).message)
        setState('out')
      }
    })()
    return () => removeEventListener('hashchange', onHash)
  }, [])

  const loggedOut = () => setState('out')
  if (state === 'checking') return <p>…</p>
  if (state === 'out') return <Login onIn={() => setState('in')} problem={problem} />

  const go = (next: Route) => {
    location.hash = routeHash(next)
  }

  const params = route.params
  const filter = params.get('filter') ?? ''
  const range: RangeInput = {since: params.get('since') ?? '1h', until: params.get('until') ?? ''}
  const setView = (change: {filter?: string; range?: RangeInput; live?: boolean}) => {
    const next = new URLSearchParams(params)
    if (change.filter !== undefined) next.set('filter', change.filter)
    if (change.range !== undefined) {
      next.set('since', change.range.since)
      next.set('until', change.range.until)
    }

    if (change.live !== undefined) next.set('live', change.live ? '1' : '0')
    for (const [key, value] of [...next]) if (value === '') next.delete(key)
    go({...route, params: next})
  }

  const timeZone = timeZoneOf(zone)
  const app = route.app
  const tab = (view: View, label: string) => (
    <a aria-current={route.view === view ? 'page' : undefined} href={routeHash({app, params: filter === '' ? new URLSearchParams() : new URLSearchParams({filter}), view})}>{label}</a>
  )
  return (
    <div class="page">
      <header>
        <a class="brand" href="#/apps">logsift</a>
        <nav>
          <a aria-current={route.view === 'apps' ? 'page' : undefined} href="#/apps">Apps</a>
          {app === undefined ? null : <><span class="app-name">{app}</span>{tab('tail', 'Live tail')}{tab('history', 'History')}{tab('charts', 'Charts')}</>}
        </nav>
        <label class="zone">Times in <select onChange={(event) => setZone((event.target as HTMLSelectElement).value as ZoneChoice)} value={zone}>
          <option value="local">your zone ({timeZoneOf('local')})</option>
          <option value="utc">UTC</option>
        </select></label>
        <button onClick={async () => {
          await postJson('/web/api/logout', {}).catch(() => {})
          setState('out')
        }} type="button">Log out</button>
      </header>
      <main>
        {route.view === 'apps' || app === undefined ? <Apps loggedOut={loggedOut} /> : null}
        {route.view === 'tail' && app !== undefined ? <Tail app={app} filter={filter} loggedOut={loggedOut} setFilter={(next) => setView({filter: next})} timeZone={timeZone} /> : null}
        {route.view === 'history' && app !== undefined ? <History app={app} filter={filter} loggedOut={loggedOut} range={range} setView={setView} timeZone={timeZone} zone={zone} /> : null}
        {route.view === 'charts' && app !== undefined ? <Charts app={app} filter={filter} live={params.get('live') === '1'} loggedOut={loggedOut} range={range} setView={setView} timeZone={timeZone} zone={zone} /> : null}
      </main>
    </div>
  )
}

render(<Page />, document.getElementById('app')!)
