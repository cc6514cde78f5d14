import {useEffect, useState} from 'preact/hooks'

import {deliveryStateCell} from '../../src/api/drain-delivery.js'
import {type AppRow, getJson, LoggedOut} from './api.js'

const REFRESH_MS = 5000

/** Each app: messages in the last minute, drops by cause, drains and how their delivery is going. */
export function Apps({loggedOut}: {loggedOut: () => void}) {
  const [apps, setApps] = useState<AppRow[] | undefined>()
  const [problem, setProblem] = useState<string | undefined>()
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let cancelled = false
    const read = async () => {
      try {
        const rows = await getJson<AppRow[]>('/web/api/apps')
        if (!cancelled) setApps(rows)
      } catch (error) {
        if (error instanceof LoggedOut) return loggedOut()
        if (!cancelled) setProblem((error as Error).message)
      }

      if (!cancelled) timer = setTimeout(read, REFRESH_MS)
    }

    read()
    return () => {
      cancelled = true
      clearTimeout(timer)
    }
  }, [])

  if (apps === undefined) return <p>{problem ?? 'Loading…'}</p>
  if (apps.length === 0) return <p>No apps yet: <code>logsift apps:create NAME</code>, or send logs to a new one.</p>
  return (
    <table class="apps">
      <thead><tr><th>App</th><th>Messages/min</th><th>Drops</th><th>Drains</th><th /></tr></thead>
      <tbody>
        {apps.map((app) => {
          const drops = Object.entries(app.drops).filter(([, count]) => count > 0)
          const base = `#/apps/${encodeURIComponent(app.name)}`
          return (
            <tr data-app={app.name} key={app.id}>
              <td class="name">{app.name}</td>
              <td class="number" data-testid="rate">{app.messages_per_minute}</td>
              <td>{drops.length === 0 ? 'none' : drops.map(([reason, count]) => <div key={reason}>{reason}: {count}</div>)}</td>
              <td>{app.drains.length === 0 ? 'none' : app.drains.map((drain) => (
                <div class="drain" key={drain.id}>
                  <span class={`state state-${stateClass(drain.delivery)}`}>{drain.delivery === null ? 'unknown' : deliveryStateCell(drain.delivery)}</span> {drain.url}
                  {drain.delivery?.last_error ? <span class="hint"> {drain.delivery.last_error}</span> : null}
                </div>
              ))}</td>
              <td class="links"><a href={`${base}/tail`}>Live tail</a> <a href={`${base}/history`}>History</a> <a href={`${base}/charts`}>Charts</a></td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}

/** The state's colour: a drain another node of a cluster delivers has none of this node's. */
function stateClass(delivery: AppRow['drains'][number]['delivery']): string {
  if (delivery === null) return 'unknown'
  return delivery.delivered_here === false ? 'elsewhere' : delivery.state
}
