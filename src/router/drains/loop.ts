import type {App, AppStore} from '../store.js'

/**
 * The app of this router a drain URL posts into, when its Basic-auth password (or user) is one of this
 * router's input tokens: that is how a drain reaches `POST /logs` here.
 */
function targetApp(store: AppStore, text: string): App | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }

  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  for (const part of [url.password, url.username]) {
    const app = part === '' ? undefined : store.findByInputToken(decodeURIComponent(part))
    if (app !== undefined) return app
  }

  return undefined
}

/**
 * Why adding `url` as a drain of `app` would send messages round forever, or undefined when it would not:
 * the drain feeds an app of this router whose own drains lead back to `app` (itself included).
 */
export function drainLoopProblem(store: AppStore, app: App, url: string): string | undefined {
  const first = targetApp(store, url)
  if (first === undefined) return undefined
  const path = [first]
  const seen = new Set<string>()
  const visit = (current: App): boolean => {
    if (current.id === app.id) return true
    if (seen.has(current.id)) return false
    seen.add(current.id)
    for (const drain of current.drains) {
      const next = targetApp(store, drain.url)
      if (next === undefined) continue
      path.push(next)
      if (visit(next)) return true
      path.pop()
    }

    return false
  }

  if (!visit(first)) return undefined
  const route = [app, ...path].map((each) => each.name).join(' → ')
  return `Url sends ${app.name}'s logs back into this router in a loop (${route}); messages would go round forever.`
}
