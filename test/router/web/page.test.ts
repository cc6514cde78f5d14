import assert from 'node:assert/strict'
import type {Browser, Page} from 'playwright-core'

import {buildWeb} from '../../../scripts/build-web.mjs'
import {ERROR_GUIDES} from '../../../src/explain/error-guide.js'
import type {RunningRouter} from '../../../src/router/server.js'
import {isolatedEnv} from '../../api/helpers.js'
import {runCli} from '../../helpers/cli.js'
import {createApp, frame, postLogplex, testRouter} from '../helpers.js'
import {closePages, freshPage, launchBrowser, messageOf, screenshot, shownRows} from './browser.js'
import {mixedLog, postLines, routerLine, stamp} from './fixtures.js'

/**
 * The page in Debian's chromium (playwright-core, no browser download) against a real router, used as a
 * user would: opened with `logsift open --print`, lines posted to the router's input, compared with what
 * the CLI prints for the same flags.
 */
describe('router page in a browser', function () {
  this.timeout(60_000)
  let browser: Browser
  let router: RunningRouter
  let now: number
  let inputToken: string

  before(async () => {
    await buildWeb()
    router = await testRouter()
    inputToken = (await createApp(router, 'demo')).log_input_token
    now = Date.now()
    await postLines(router, 'demo', mixedLog(now, 30))
    browser = await launchBrowser()
  })

  afterEach(() => closePages())
  after(() => browser?.close())

  const cli = async (args: string[]) => {
    const result = await runCli(args, {env: isolatedEnv({LOGSIFT_API_KEY: router.apiKey, LOGSIFT_API_URL: router.url})})
    assert.equal(result.code, 0, result.stderr)
    return result.stdout
  }

  /** A new browser context opened on the one-time link of `logsift open --print`. */
  const openPage = async (app = 'demo'): Promise<Page> => {
    const url = (await cli(['open', '-a', app, '--print'])).trim()
    const page = await freshPage(browser)
    await page.goto(url)
    return page
  }

  /**
   * What the rows' texts must hold: a row including `some`, every row (and at least one) including `every`,
   * `count` rows. A fixed function with the wanted values as its argument: a test compiled in the page (`new
   * Function`) is refused by its CSP on every poll after the first, so such a wait saw only rows already there.
   */
  type RowsWanted = {count?: number; every?: string; some?: string}
  const waitForRows = (page: Page, what: string, wanted: RowsWanted, timeout = 5000) =>
    page.waitForFunction(({count, every, some}: RowsWanted) => {
      const messages = [...document.querySelectorAll('.row .line')].map((line) => line.textContent ?? '')
      return (count === undefined || messages.length === count)
        && (some === undefined || messages.some((message) => message.includes(some)))
        && (every === undefined || (messages.length > 0 && messages.every((message) => message.includes(every))))
    }, wanted, {timeout}).catch((error: Error) => {
      throw new Error(`waiting for ${what}: ${error.message}`)
    })

  it('opens with the link of `logsift open --print`, which works once, into an HttpOnly SameSite=Strict cookie', async () => {
    const url = (await cli(['open', '-a', 'demo', '--print'])).trim()
    assert.ok(!url.includes(router.apiKey))
    const page = await freshPage(browser)
    await page.goto(url)
    await page.waitForSelector('.row')
    const cookies = await page.context().cookies()
    assert.equal(cookies.length, 1)
    assert.equal(cookies[0].name, 'logsift_web')
    assert.equal(cookies[0].httpOnly, true)
    assert.equal(cookies[0].sameSite, 'Strict')
    assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read the session cookie')
    assert.equal(await page.evaluate(() => location.hash), '#/apps/demo/tail', 'the token is gone from the address bar')

    const again = await freshPage(browser)
    await again.goto(url)
    await again.waitForSelector('form.login')
    assert.match(await again.$eval('.problem', (element) => element.textContent ?? ''), /used already or has expired/)
  })

  it('shows a line posted after the page loaded within a second, in the colours of `logs`', async () => {
    const page = await openPage()
    await page.waitForSelector('.row')
    await postLines(router, 'demo', [`${stamp(Date.now(), 0)} app[worker.1]: level=error msg="late arrival"`])
    const posted = Date.now()
    await waitForRows(page, 'the posted line', {some: 'late arrival'}, 1000)
    assert.ok(Date.now() - posted < 1000)
    // Each line's leaf spans (text, and the classes of its run), read in the page and searched here.
    const lines = await page.$$eval('.row .line', (elements) => elements.map((line) => ({
      spans: [...line.querySelectorAll('span')]
        .filter((span) => !span.classList.contains('click') && !span.classList.contains('code'))
        .map((span) => ({classes: span.className, text: span.textContent ?? ''})),
      text: line.textContent ?? '',
    })))
    const classOf = (marker: string, text: string) => lines.find((line) => line.text.includes(marker))?.spans.find((span) => span.text.includes(text))?.classes
    const classes = {lateTag: classOf('late arrival', 'app[worker.1]'), lateValue: classOf('late arrival', '"late arrival"'), routerTag: classOf('heroku[router]: at=info', 'heroku[router]')}
    // The `logs` palette: worker magenta, router green, an error-level line's values red.
    assert.match(String(classes.lateTag), /fg-35/)
    assert.match(String(classes.routerTag), /fg-32/)
    assert.match(String(classes.lateValue), /fg-31/)
    await screenshot(page, 'live-tail')
  })

  it('draws a line arriving in a full tail alone, not again every row on screen', async () => {
    const page = await openPage()
    await page.waitForFunction(() => document.querySelectorAll('.row').length > 50, undefined, {timeout: 5000})
    // Rows drawn, counted as the calls of the function that makes a row's spans (the one holding its
    // `Filter: ` titles) in the page's script, from just before the line is posted until it is shown.
    await page.coverage.startJSCoverage({resetOnNavigation: false})
    await postLines(router, 'demo', [`${stamp(Date.now(), 0)} app[web.1]: drawn alone`])
    await waitForRows(page, 'the posted line', {some: 'drawn alone'})
    const script = (await page.coverage.stopJSCoverage()).find((entry) => new URL(entry.url).pathname.endsWith('/app.js'))!
    const at = script.source!.indexOf('Filter: ')
    const [drawRow] = script.functions.map((fn) => fn.ranges[0]).filter((range) => range.startOffset < at && at < range.endOffset).sort((a, b) => (a.endOffset - a.startOffset) - (b.endOffset - b.startOffset))
    assert.equal(drawRow.count, 1)
  })

  it('narrows the tail with the filter box exactly as `logs -a` does with the same flags, filtered in the router', async () => {
    const page = await openPage()
    await page.waitForSelector('.row')
    await page.fill('input[name=filter]', `-d router -w 'status>=500' -g '/items/1'`)
    await page.keyboard.press('Enter')
    const expected = (await cli(['logs', '-a', 'demo', '-n', '1500', '-d', 'router', '-w', 'status>=500', '-g', '/items/1', '-o', 'raw'])).split('\n').filter(Boolean).map(messageOf)
    assert.ok(expected.length >= 3, `${expected.length} lines`)
    await waitForRows(page, 'the filtered tail', {every: 'status=5'})
    await page.waitForFunction((count: number) => document.querySelectorAll('.row').length === count, expected.length, {timeout: 5000})
    assert.deepEqual((await shownRows(page)).map((row) => row.message), expected)
    assert.match(await page.evaluate(() => location.hash), /filter=/, 'the filter is in the link of the view')

    await postLines(router, 'demo', [
      routerLine(stamp(Date.now(), 0), {path: '/items/100', requestId: 'new-ok', service: 5, status: 200}),
      routerLine(stamp(Date.now(), 0), {path: '/items/101', requestId: 'new-bad', service: 5, status: 502}),
    ])
    await waitForRows(page, 'the new 502', {some: 'request_id=new-bad'})
    assert.ok(!(await shownRows(page)).some((row) => row.text.includes('new-ok')))
  })

  it('filters on a request_id, a status or a dyno clicked in a line', async () => {
    const page = await openPage()
    await page.waitForSelector('.click[data-filter="-w request_id=req-7"]')
    await page.click('.click[data-filter="-w request_id=req-7"]')
    await page.waitForFunction(() => document.querySelectorAll('.row').length === 1 && document.querySelector('.row')!.textContent!.includes('request_id=req-7'), undefined, {timeout: 5000})
    assert.equal(await page.$eval('input[name=filter]', (input) => (input as HTMLInputElement).value), '-w request_id=req-7')
    await page.click('.row .click[data-filter="-w status=200"]')
    await page.waitForFunction(() => (document.querySelector('input[name=filter]') as HTMLInputElement).value === '-w request_id=req-7 -w status=200', undefined, {timeout: 5000})
    await page.waitForFunction(() => location.hash.includes('status%3D200'), undefined, {timeout: 5000})
    await page.waitForFunction(() => document.querySelectorAll('.row').length === 1, undefined, {timeout: 5000})
    const tagged = await openPage()
    await tagged.waitForSelector('.click[data-filter="-d web.2"]')
    await tagged.click('.click[data-filter="-d web.2"]')
    await tagged.waitForFunction(() => {
      const rows = [...document.querySelectorAll('.row')]
      return rows.length > 0 && rows.every((row) => row.textContent!.includes('app[web.2]:'))
    }, undefined, {timeout: 5000})
  })

  it('loses nothing over a pause: resuming reads from the last event id', async () => {
    const page = await openPage()
    await page.waitForSelector('.row')
    await page.fill('input[name=filter]', '-g pause-test')
    await page.keyboard.press('Enter')
    await page.waitForFunction(() => location.hash.includes('pause-test'))
    const batch = (from: number, to: number) => Array.from({length: to - from + 1}, (_, i) => `${stamp(Date.now(), 0)} app[web.1]: pause-test ${from + i}`)
    await postLines(router, 'demo', batch(1, 10))
    await waitForRows(page, 'the first ten', {count: 10})
    await page.click('[data-testid=pause]')
    await page.waitForFunction(() => document.querySelector('[data-testid=pause]')!.textContent === 'Resume')
    await postLines(router, 'demo', batch(11, 40))
    const whilePaused = await shownRows(page)
    await page.click('[data-testid=pause]')
    await waitForRows(page, 'the lines posted during the pause', {count: 40})
    assert.equal(whilePaused.length, 10, 'nothing arrives while paused')
    const rows = await shownRows(page)
    assert.deepEqual(rows.map((row) => row.message), Array.from({length: 40}, (_, i) => `pause-test ${i + 1}`))
    assert.equal(new Set(rows.map((row) => row.id)).size, 40, 'none repeated')
  })

  it('shows a multi-line message whole, and marks error-code lines with what `errors` says', async () => {
    const page = await openPage()
    await page.waitForSelector('.row')
    const trace = 'Traceback (most recent call last):\n  File "app.py", line 3, in <module>\nZeroDivisionError: division by zero'
    const reply = await postLogplex(router, inputToken, frame(`<131>1 ${new Date().toISOString()} host app web.1 - - ${trace}`) + frame(`<172>1 ${new Date().toISOString()} host heroku logplex - - Error L10 (output buffer overflow): 12 messages dropped since 2026-01-01T00:00:00+00:00.`))
    assert.equal(reply.status, 204)
    await waitForRows(page, 'the traceback', {some: 'ZeroDivisionError'})
    const shown = await page.$$eval('.row', (rows) => rows.filter((row) => row.textContent!.includes('Traceback')).map((row) => ({height: (row as HTMLElement).offsetHeight, text: row.querySelector('.line')!.textContent})))
    assert.equal(shown.length, 1)
    assert.ok(shown[0].text!.endsWith(trace), shown[0].text!)
    assert.equal(shown[0].height, 3 * 18)

    const codes = await page.$$eval('.row .code', (badges) => badges.map((badge) => ({code: badge.textContent, title: badge.getAttribute('title')})))
    const h12 = codes.find(({code}) => code === 'H12')!
    assert.ok(h12.title!.startsWith('H12 Request timeout\n' + ERROR_GUIDES.get('H12')!.meaning), h12.title!)
    await waitForRows(page, 'the L10 line', {some: 'Error L10'})
    const l10 = await page.$$eval('.row .code', (badges) => badges.find((badge) => badge.textContent === 'L10')?.getAttribute('title'))
    assert.ok(l10?.startsWith('L10 Drain buffer overflow\n' + ERROR_GUIDES.get('L10')!.meaning), String(l10))
  })

  it('renders attacker-controlled lines as text: no markup, no script runs', async () => {
    const page = await openPage()
    const violations: string[] = []
    await page.exposeFunction('reportViolation', (text: string) => violations.push(text))
    await page.evaluate(() => document.addEventListener('securitypolicyviolation', (event) => (window as any).reportViolation(event.violatedDirective)))
    await page.waitForSelector('.row')
    const payloads = [
      '<img src=x onerror="window.__pwned=1">',
      '<script>window.__pwned=2</script>',
      'javascript:window.__pwned=3',
      '<a href="javascript:window.__pwned=4">click</a> request_id=<b>x</b>',
      '\u001B[31m<svg onload="window.__pwned=5">',
    ]
    await postLines(router, 'demo', payloads.map((payload) => `${stamp(Date.now(), 0)} app[web.1]: ${payload}`))
    await waitForRows(page, 'the hostile lines', {some: '<svg'})
    const messages = (await shownRows(page)).map((row) => row.message)
    for (const payload of payloads.slice(0, 4)) assert.ok(messages.includes(payload), payload)
    assert.ok(messages.includes('\u241B[31m<svg onload="window.__pwned=5">'), 'an escape in the line is shown, not obeyed')
    await page.click('.click[data-filter="-w request_id=<b>x</b>"]').catch(() => {})
    assert.equal(await page.evaluate(() => (window as any).__pwned), undefined)
    assert.equal(await page.$$eval('.list img, .list script, .list svg, .list a, .list b', (elements) => elements.length), 0)
    assert.deepEqual(violations, [])
  })

  it('shows a history range newest first, as `logs -a --since --until` prints it, loading more on scroll', async () => {
    const since = new Date(now - 40 * 60_000).toISOString()
    const until = new Date(now - 60_000).toISOString()
    await createApp(router, 'busy')
    const lines: string[] = []
    for (let i = 0; i < 900; i++) lines.push(routerLine(stamp(now, 1800 - i * 2), {path: `/p/${i}`, requestId: `busy-${i}`, service: i % 50, status: i % 7 === 0 ? 500 : 200}))
    await postLines(router, 'busy', lines)
    const page = await openPage('busy')
    await page.waitForSelector('.row')
    await page.goto(`${router.url}/web/#/apps/busy/history?${new URLSearchParams({filter: '-d router -w status=200', since, until})}`)
    await page.waitForSelector('[data-testid=command]')
    const expected = (await cli(['logs', '-a', 'busy', '--since', since, '--until', until, '-d', 'router', '-w', 'status=200', '-o', 'raw'])).split('\n').filter(Boolean).reverse()
    assert.ok(expected.length > 600, `${expected.length}`)
    assert.equal(await page.$eval('[data-testid=command]', (element) => element.textContent), `logsift logs -a busy --since ${since} --until ${until} -d router -w status=200`)

    const seen = new Map<number, string>()
    for (let round = 0; round < 200; round++) {
      for (const row of await shownRows(page)) seen.set(row.id, row.message)
      const done = await page.$eval('[data-testid=shown]', (element) => element.textContent!.includes(', all'))
      if (done && seen.size >= expected.length) break
      await page.$eval('.list', (list) => list.scrollBy(0, list.clientHeight))
      // Read on only once rows cover what is on screen: a scroll is drawn a frame or more later.
      await page.waitForFunction(() => {
        const list = document.querySelector('.list')!
        const rows = [...list.querySelectorAll<HTMLElement>('.row')]
        const bottom = Math.min(list.scrollTop + list.clientHeight, list.scrollHeight)
        return rows.some((row) => row.offsetTop <= list.scrollTop) && rows.some((row) => row.offsetTop + row.offsetHeight >= bottom)
      }, undefined, {timeout: 5000})
    }

    const newestFirst = [...seen.entries()].sort(([a], [b]) => b - a).map(([, message]) => message)
    assert.deepEqual(newestFirst, expected.map(messageOf))
    await page.$eval('.list', (list) => list.scrollTo(0, 0))
    await screenshot(page, 'history')
  })

  it('charts a range with the numbers of `logs:stats --json`, drawn by uPlot', async () => {
    const since = new Date(now - 31 * 60_000).toISOString()
    const until = new Date(now - 60_000).toISOString()
    const page = await openPage()
    await page.waitForSelector('.row')
    await page.goto(`${router.url}/web/#/apps/demo/charts?${new URLSearchParams({since, until})}`)
    await page.waitForFunction(() => document.querySelectorAll('.chart .uplot canvas').length === 4, undefined, {timeout: 10_000})
    const stats = JSON.parse(await cli(['logs:stats', '-a', 'demo', '--since', since, '--until', until, '--json']))
    const shown = Object.fromEntries(await page.$$eval('[data-stat]', (cells) => cells.map((cell) => [(cell as HTMLElement).dataset.stat, cell.textContent])))
    assert.equal(shown.requests, String(stats.router.requests))
    for (const [key, count] of Object.entries(stats.router.statusClasses)) assert.equal(shown[`class-${key}`], String(count), key)
    assert.equal(shown.p50, String(stats.router.service.p50))
    assert.equal(shown.p99, String(stats.router.service.p99))
    for (const {code, count} of stats.errors) assert.equal(shown[`code-${code}`], String(count), code)
    assert.ok(stats.router.requests > 100)
    await screenshot(page, 'charts')
  })

  it('never puts the API key in the page; without the cookie nothing works; the login form is the other way in', async () => {
    const page = await freshPage(browser)
    const response = await page.goto(`${router.url}/web/#/apps/demo/tail`)
    assert.match(String(response!.headers()['content-security-policy']), /script-src 'self'/)
    await page.waitForSelector('form.login')
    const refused = await page.evaluate(async () => Promise.all(['/web/api/apps', '/web/api/apps/demo/history', '/web/api/apps/demo/charts'].map(async (path) => (await fetch(path)).status)))
    assert.deepEqual(refused, [401, 401, 401])
    assert.equal((await page.goto(`${router.url}/web/api/apps`))!.status(), 401)

    await page.goto(`${router.url}/web/#/apps`)
    await page.waitForSelector('form.login')
    await page.fill('input[name=key]', router.apiKey)
    await page.click('form.login button[type=submit]')
    await page.waitForSelector('table.apps tr[data-app=demo]')
    await screenshot(page, 'apps')
    const stored = await page.evaluate(() => ({cookie: document.cookie, html: document.documentElement.outerHTML, local: JSON.stringify({...localStorage}), session: JSON.stringify({...sessionStorage}), urls: performance.getEntriesByType('resource').map((entry) => entry.name).join(' ') + location.href}))
    for (const [where, text] of Object.entries(stored)) assert.ok(!text.includes(router.apiKey), `the key is in ${where}`)
    await page.goto(`${router.url}/web/#/apps/demo/tail`)
    await page.waitForSelector('.row')
    assert.ok(!(await page.content()).includes(router.apiKey))
  })
})
