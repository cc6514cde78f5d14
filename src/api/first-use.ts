import type {PlatformApi} from './client.js'
import type {App} from './types.js'

import {ApiError} from './errors.js'

/**
 * Runs `action` on an app, creating the app first when logsift's own router does not know it yet (so
 * `logsift logs -a demo --tail` can wait for the first line of a new app). Never on Heroku, where a missing
 * app is a typo or a missing permission, and the API's `not_found` is the right answer.
 */
export async function withAppCreatedOnFirstUse<T>(
  api: PlatformApi,
  app: string,
  action: () => Promise<T>,
  created: (app: App) => void,
): Promise<T> {
  try {
    return await action()
  } catch (error) {
    if (!api.target.local || !(error instanceof ApiError) || error.id !== 'not_found') throw error
    // Only a missing app is created: a 404 for anything else is the answer.
    const exists = await api.app(app).then(
      () => true,
      (lookup: unknown) => {
        if (lookup instanceof ApiError && lookup.id === 'not_found') return false
        throw lookup
      },
    )
    if (exists) throw error
    try {
      created(await api.createApp(app))
    } catch (createError) {
      // Another client created it meanwhile: just as good.
      if (!(createError instanceof ApiError && createError.id === 'conflict')) throw createError
    }

    return action()
  }
}
