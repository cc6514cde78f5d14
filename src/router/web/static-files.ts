import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {packageRoot} from '../../package-root.js'

/** Where `npm run build` writes the bundled page (scripts/build-web.mjs): the package's dist/web. */
export const WEB_DIR = fileURLToPath(new URL('dist/web', packageRoot))

const TYPES: Record<string, string> = {
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
}

/** The page's files by name, read once: a handful of small files that never change while the router runs. */
export class StaticFiles {
  private readonly files = new Map<string, Promise<{body: Buffer; type: string} | undefined>>()

  constructor(private readonly dir: string = WEB_DIR) {}

  /** The file and its content type, or undefined for a name that is not one of the page's files. */
  get(name: string): Promise<{body: Buffer; type: string} | undefined> {
    if (!/^[\w-]+\.(css|html|js)$/.test(name)) return Promise.resolve(undefined)
    let file = this.files.get(name)
    if (file === undefined) {
      const type = TYPES[name.slice(name.lastIndexOf('.') + 1)]
      file = readFile(join(this.dir, name)).then((body) => ({body, type}), () => undefined)
      this.files.set(name, file)
    }

    return file
  }
}
