import assert from 'node:assert/strict'

import {drainLoopProblem} from '../../src/router/drains/loop.js'
import {type App, type AppStore, newApp, newDrain} from '../../src/router/store.js'

/** The drain URL that posts into `app` on this router, as `drains:add` is given it. */
function drainInto(app: App): string {
  return `https://token:${app.inputToken}@router.example.com/logs`
}

/** Apps `chain-0` … `chain-N-1`, each draining into the next, and a store that finds them by input token. */
function chain(length: number): {apps: App[]; store: AppStore} {
  const apps = Array.from({length}, (_, i) => newApp(`chain-${i}`))
  for (let i = 0; i + 1 < length; i++) apps[i].drains.push(newDrain(drainInto(apps[i + 1])))
  const byToken = new Map(apps.map((app) => [app.inputToken, app]))
  return {apps, store: {findByInputToken: (token: string) => byToken.get(token)} as unknown as AppStore}
}

describe('drainLoopProblem', () => {
  it('names the route of a loop through other apps', () => {
    const {apps, store} = chain(3)
    assert.equal(
      drainLoopProblem(store, apps[2], drainInto(apps[0])),
      "Url sends chain-2's logs back into this router in a loop (chain-2 → chain-0 → chain-1 → chain-2); messages would go round forever.",
    )
    assert.equal(drainLoopProblem(store, apps[0], drainInto(apps[1])), undefined)
  })

  it('follows a chain of 20,000 apps without recursion, with or without a loop at its end', () => {
    const {apps, store} = chain(20_000)
    const problem = drainLoopProblem(store, apps.at(-1)!, drainInto(apps[0])) ?? ''
    assert.ok(problem.startsWith("Url sends chain-19999's logs back into this router in a loop (chain-19999 → chain-0 → chain-1 → "), problem.slice(0, 200))
    assert.ok(problem.endsWith(' → chain-19998 → chain-19999); messages would go round forever.'))
    assert.equal(drainLoopProblem(store, newApp('elsewhere'), drainInto(apps[0])), undefined)
  })
})
