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
  const route = routeBack(store, first, app)
  if (route === undefined) return undefined
  const names = [app, ...route].map((each) => each.name).join(' → ')
  return `Url sends ${app.name}'s logs back into this router in a loop (${names}); messages would go round forever.`
}

/**
 * The apps from `from` to `to` along drains into this router, both included, or undefined when there is no
 * such route. Depth first with its own stack rather than recursion: however long a chain of apps the API was
 * given, it cannot overflow the call stack.
 */
function routeBack(store: AppStore, from: App, to: App): App[] | undefined {
  if (from.id === to.id) return [from]
  const route = [from]
  // For each app on the route, the index of its next drain to follow.
  const nextDrain = [0]
  const seen = new Set([from.id])
  while (route.length > 0) {
    const current = route.at(-1)!
    const index = nextDrain.at(-1)!
    if (index === current.drains.length) {
      route.pop()
      nextDrain.pop()
      continue
    }

    nextDrain[nextDrain.length - 1] = index + 1
    const next = targetApp(store, current.drains[index].url)
    if (next === undefined) continue
    if (next.id === to.id) return [...route, next]
    if (seen.has(next.id)) continue
    seen.add(next.id)
    route.push(next)
    nextDrain.push(0)
  }

  return undefined
}
