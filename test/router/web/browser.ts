import {mkdirSync} from 'node:fs'
import {join} from 'node:path'
import {type Browser, type BrowserContext, chromium, type Page} from 'playwright-core'

import {ROOT} from '../../helpers/cli.js'

/** Debian's chromium, as .ci/run installs it: no browser download. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Where the browser tests save their screenshots (the test output); set LOGSIFT_SCREENSHOTS to move it. */
export const SCREENSHOT_DIR = process.env.LOGSIFT_SCREENSHOTS ?? join(ROOT, 'test-output', 'web')

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    // Root in a container has no user namespace for the sandbox; the pages are the router's own.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    executablePath: CHROMIUM,
    headless: true,
  })
}

const openContexts = new Set<BrowserContext>()

/**
 * A page in a context of its own (its own cookies), with a desktop-sized window. Closed by closePages: a
 * page left open in the background would have its animation frames, and so its rendering, throttled.
 */
export async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({viewport: {height: 900, width: 1400}})
  openContexts.add(context)
  return context.newPage()
}

export async function closePages(): Promise<void> {
  await Promise.all([...openContexts].map((context) => context.close()))
  openContexts.clear()
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, {recursive: true})
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({fullPage: true, path})
  return path
}

/** The rows the list shows, in order: event id, the text as shown (without the code badge), and classes. */
export function shownRows(page: Page): Promise<Array<{id: number; text: string; message: string}>> {
  return page.$$eval('.row', (rows) => rows.map((row) => {
    const line = row.querySelector('.line')!
    const text = [...line.childNodes].filter((node) => !(node as Element).classList?.contains('code')).map((node) => node.textContent).join('')
    const tag = text.indexOf(']: ')
    return {id: Number((row as HTMLElement).dataset.id), message: tag === -1 ? text : text.slice(tag + 3), text}
  }).sort((a, b) => Number(a.id) - Number(b.id)))
}

/** The message part of a raw `heroku logs` line (after `source[dyno]: `). */
export function messageOf(line: string): string {
  const tag = line.indexOf(']: ')
  return tag === -1 ? line : line.slice(tag + 3)
}
