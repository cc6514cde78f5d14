import assert from 'node:assert/strict'

import {parseLine} from '../../src/parse/line.js'
import {placeFrame, routeSyslog} from '../../src/router/ingest/placement.js'
import {type App, newApp} from '../../src/router/store.js'

const demo = newApp('demo')
const other = newApp('other')
const apps = {
  find: (name: string) => [demo, other].find((app) => app.name === name || app.id === name),
  findByInputToken: (token: string) => [demo, other].find((app) => app.inputToken === token),
}

function route(line: string): [string, string, string] | undefined {
  const routed = routeSyslog(parseLine(Buffer.from(line)), apps)
  return routed === undefined ? undefined : [(routed.app as App).name, routed.placement.source, routed.placement.dyno]
}

describe('placement: which app, source and dyno a message gets', () => {
  it('logplex-1 frames: APP-NAME is the source and PROCID the dyno', () => {
    assert.deepEqual(placeFrame(parseLine(Buffer.from('<40>1 2024-05-01T12:00:00Z host heroku router - at=info'))), {dyno: 'router', source: 'heroku'})
  })

  it("log-shuttle frames: the input token in APP-NAME is app output, the dyno PROCID", () => {
    const line = `<190>1 2024-05-01T12:00:00Z shuttle ${demo.inputToken} web.2 - - hello`
    assert.deepEqual(placeFrame(parseLine(Buffer.from(line))), {dyno: 'web.2', source: 'app'})
  })

  it('frames without APP-NAME or PROCID are app[web.1]', () => {
    assert.deepEqual(placeFrame(parseLine(Buffer.from('<13>1 2024-05-01T12:00:00Z host - - - hi'))), {dyno: 'web.1', source: 'app'})
  })

  it('syslog: no APP-NAME, and a first word naming an app (rsyslog forwarding RFC 5424 as 3164): that app, the word taken off', () => {
    for (const [first, app] of [['demo', demo], [other.inputToken, other]] as const) {
      const routed = routeSyslog(parseLine(Buffer.from(`<13>Dec  2 17:24:00 vm ${first} via rsyslog`)), apps)
      assert.deepEqual(routed, {app, message: 'via rsyslog', placement: {dyno: 'web.1', source: 'app'}})
    }

    assert.equal(routeSyslog(parseLine(Buffer.from('<13>Dec  2 17:24:00 vm nobody via rsyslog')), apps), undefined)
    // A TAG that names no app is not overruled by the message's first word.
    assert.equal(routeSyslog(parseLine(Buffer.from('<13>Dec  2 17:24:00 vm cron: demo words')), apps), undefined)
  })

  const table: Array<[string, string, [string, string, string] | undefined]> = [
    ['HOSTNAME is an input token', `<13>1 2024-05-01T12:00:00Z ${other.inputToken} heroku router - x`, ['other', 'heroku', 'router']],
    ['APP-NAME is an input token', `<13>1 2024-05-01T12:00:00Z box ${demo.inputToken} worker.1 - x`, ['demo', 'app', 'worker.1']],
    ['APP-NAME is an app name (logger --tag demo)', '<13>1 2024-05-01T12:00:00Z box demo - ID [timeQuality tzKnown="1"] x', ['demo', 'app', 'web.1']],
    ['HOSTNAME is an app name', '<13>1 2024-05-01T12:00:00Z other nginx 42 - x', ['other', 'nginx', '42']],
    ['a token beats a name', `<13>1 2024-05-01T12:00:00Z ${other.inputToken} demo - - x`, ['other', 'demo', 'web.1']],
    ['RFC 3164 with the token as TAG', `<13>Nov 25 03:00:00 box ${demo.inputToken}[77]: x`, ['demo', 'app', '77']],
    ['RFC 3164 with an app name as TAG', '<13>Nov 25 03:00:00 box demo: x', ['demo', 'app', 'web.1']],
    ['no app named anywhere', '<13>1 2024-05-01T12:00:00Z box cron 1 - x', undefined],
  ]
  for (const [what, line, expected] of table) {
    it(`syslog: ${what}`, () => assert.deepEqual(route(line), expected))
  }
})
