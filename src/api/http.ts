import type {Agent} from 'undici'

let agent: Promise<Agent> | undefined

/**
 * The one undici agent of this process. undici is imported here, on first use, because importing it costs
 * about 50 ms of startup that `logsift logs FILE` must not pay.
 */
export function httpAgent(): Promise<Agent> {
  agent ??= import('./undici.js').then(({Agent}) => new Agent({connect: {timeout: 10_000}}))
  return agent
}

/** Closes the kept-alive connections so the process can exit at once (they would hold it for seconds). */
export async function closeHttp(): Promise<void> {
  if (agent === undefined) return
  const current = await agent
  agent = undefined
  await current.destroy()
}
