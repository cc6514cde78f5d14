import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const here = import.meta.url

/**
 * Whether logsift runs from its TypeScript sources (tests, through tsx) rather than from the build in dist/.
 */
export const fromSource = here.endsWith('.ts')

/**
 * The package's folder: the nearest one above this module holding package.json. Searched, not counted in
 * `..`s: built, this code sits in a bundle chunk (dist/chunks/) whose depth is not the source file's.
 */
export const packageRoot: URL = (() => {
  let dir = new URL('.', here)
  while (!existsSync(fileURLToPath(new URL('package.json', dir)))) {
    const up = new URL('..', dir)
    if (up.href === dir.href) throw new Error(`no package.json above ${fileURLToPath(here)}`)
    dir = up
  }

  return dir
})()

/** A module of logsift by its path under src/ (without extension), where it is in this run: src/ or dist/. */
export function moduleUrl(path: string): URL {
  return new URL(fromSource ? `src/${path}.ts` : `dist/${path}.js`, packageRoot)
}
