import type {Agent as AgentType, Dispatcher} from 'undici'
// Two of undici's own modules rather than its index, which loads all of undici — fetch, WebSockets, caches,
// mocks — and, through their globals, Node's own copy of undici and its web streams: that was 85-100 ms of
// the start-up of every command that calls an API (`logs -a`, `apps`; bench/RESULTS.md, "Start-up of the
// commands that call an API").
// undici has no exports map, and the package is pinned by package-lock; the API tests cover both modules.
import AgentClass from 'undici/lib/dispatcher/agent.js'
import requestWith from 'undici/lib/api/api-request.js'

/**
 * What logsift's lazy importers take from undici, as an ES module of its own: the build bundles undici
 * (scripts/build-cli.mjs), and a CommonJS package reached through import() would give them only its default
 * export.
 */
export const Agent = AgentClass as unknown as typeof AgentType

type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {dispatcher: Dispatcher; method?: Dispatcher.HttpMethod}

/** undici's `request(url, options)` with a dispatcher given (the index's wrapper does this URL split). */
export function request(url: string, {dispatcher, method = 'GET', ...options}: RequestOptions): Promise<Dispatcher.ResponseData> {
  const {origin, pathname, search} = new URL(url)
  return (requestWith as unknown as (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>)
    .call(dispatcher, {...options, method, origin, path: pathname + search})
}
