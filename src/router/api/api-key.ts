import {randomBytes} from 'node:crypto'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

export const API_KEY_FILE = 'api-key'

/**
 * The router's API key: `<dataDir>/api-key`, created at first start (mode 0600, 32 random bytes as hex, one
 * line). A client on the same machine reads the same file, trimmed.
 */
export async function loadOrCreateApiKey(dataDir: string): Promise<{file: string; key: string}> {
  const file = join(dataDir, API_KEY_FILE)
  try {
    await writeFile(file, randomBytes(32).toString('hex') + '\n', {flag: 'wx', mode: 0o600})
  } catch (error) {
    // `wx`: a key that exists is never replaced, even by two routers starting at once.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot create ${file}: ${(error as Error).message}`)
  }

  const key = (await readFile(file, 'utf8')).trim()
  if (key === '') throw new Error(`${file} is empty; delete it and a new key is made at the next start`)
  return {file, key}
}
