/** The chalk colour level: 0 off, 1 sixteen colours, 2 256 colours, 3 truecolor. */
export type ColorLevel = 0 | 1 | 2 | 3

export const COLOR_FLAGS = ['auto', 'always', 'never'] as const
export type ColorFlag = (typeof COLOR_FLAGS)[number]

export interface ColorSettings {
  /** Process environment; only NO_COLOR, HEROKU_LOGS_COLOR, HEROKU_COLOR, FORCE_COLOR, TERM and COLORTERM are read. */
  env: Readonly<Record<string, string | undefined>>
  /** `--color`; undefined is `auto`. */
  flag?: ColorFlag
  /** `--force-colors`, the Heroku CLI's spelling of `--color always`. */
  forceColors?: boolean
  /** Whether stdout is a terminal. */
  isTTY: boolean
}

/**
 * Decides the colour level from flags, environment and terminal, in that order of authority:
 *
 * 1. `--color never` → off. It beats `--force-colors`: when a user names both, the one that keeps escape codes
 *    out of a file is the safer reading.
 * 2. `--color always` or `--force-colors` → on, whatever the environment says: FORCE_COLOR's depth when it asks
 *    for colour, otherwise the terminal's (COLORTERM/TERM, TTY only), otherwise 16 colours.
 * 3. auto: NO_COLOR (non-empty), or the Heroku CLI's HEROKU_LOGS_COLOR=0 or HEROKU_COLOR=0 → off; a flag is
 *    the only thing that overrides them.
 *    FORCE_COLOR set → its level (`0`/`false` off, empty/`true` 16 colours, `1`–`3`), even into a pipe or a dumb
 *    terminal, since forcing is what it is for. Otherwise on only for a TTY whose TERM is not `dumb`.
 *
 * The pretty palette uses only the 16 basic colours, so 2 and 3 print the same bytes as 1; the depth is still
 * reported faithfully for anyone building a chalk for other uses.
 */
export function resolveColorLevel(settings: ColorSettings): ColorLevel {
  const {env, isTTY} = settings
  const flag = settings.flag === 'never' ? 'never' : settings.forceColors ? 'always' : (settings.flag ?? 'auto')
  if (flag === 'never') return 0

  const forced = forceColorLevel(env.FORCE_COLOR)
  if (flag === 'always') {
    if (forced !== undefined && forced > 0) return forced
    return isTTY ? terminalDepth(env) : 1
  }

  if (env.NO_COLOR || env.HEROKU_LOGS_COLOR === '0' || env.HEROKU_COLOR === '0') return 0
  if (forced !== undefined) return forced
  if (!isTTY || env.TERM === 'dumb') return 0
  return terminalDepth(env)
}

/** FORCE_COLOR as a level, or undefined when unset. Any other value still means "force" (force-color.org). */
function forceColorLevel(value: string | undefined): ColorLevel | undefined {
  switch (value) {
    case undefined: {
      return undefined
    }

    case '0':
    case 'false': {
      return 0
    }

    case '2': {
      return 2
    }

    case '3': {
      return 3
    }

    default: {
      return 1
    }
  }
}

/** The colour depth a terminal advertises; TERM=dumb still gets 16 colours when colour was asked for. */
function terminalDepth(env: Readonly<Record<string, string | undefined>>): ColorLevel {
  const colorterm = env.COLORTERM
  if (colorterm === 'truecolor' || colorterm === '24bit') return 3
  if (env.TERM?.includes('256color')) return 2
  return 1
}
