import assert from 'node:assert/strict'

import {COLOR_FLAGS, type ColorFlag, type ColorLevel, resolveColorLevel} from '../../src/format/color.js'

type Env = Record<string, string | undefined>

interface Row {
  env?: Env
  expected: ColorLevel
  flag?: ColorFlag
  forceColors?: boolean
  isTTY: boolean
}

const TERMINAL: Env = {TERM: 'xterm'}

describe('resolveColorLevel', () => {
  const rows: Array<[string, Row]> = [
    ['auto on a TTY', {env: TERMINAL, expected: 1, isTTY: true}],
    ['auto (explicit) on a TTY', {env: TERMINAL, expected: 1, flag: 'auto', isTTY: true}],
    ['auto into a pipe', {env: TERMINAL, expected: 0, isTTY: false}],
    ['auto on a 256-colour TTY', {env: {TERM: 'xterm-256color'}, expected: 2, isTTY: true}],
    ['auto on a truecolor TTY', {env: {COLORTERM: 'truecolor', TERM: 'xterm-256color'}, expected: 3, isTTY: true}],
    ['auto on a 24bit TTY', {env: {COLORTERM: '24bit'}, expected: 3, isTTY: true}],
    ['auto on a TTY without TERM', {env: {}, expected: 1, isTTY: true}],
    ['auto, TERM=dumb', {env: {TERM: 'dumb'}, expected: 0, isTTY: true}],
    ['auto, NO_COLOR', {env: {...TERMINAL, NO_COLOR: '1'}, expected: 0, isTTY: true}],
    ['auto, NO_COLOR empty is ignored', {env: {...TERMINAL, NO_COLOR: ''}, expected: 1, isTTY: true}],
    ['auto, NO_COLOR beats FORCE_COLOR', {env: {FORCE_COLOR: '3', NO_COLOR: '1'}, expected: 0, isTTY: true}],
    ['auto, FORCE_COLOR=0 on a TTY', {env: {...TERMINAL, FORCE_COLOR: '0'}, expected: 0, isTTY: true}],
    ['auto, FORCE_COLOR=false on a TTY', {env: {...TERMINAL, FORCE_COLOR: 'false'}, expected: 0, isTTY: true}],
    ['auto, FORCE_COLOR=1 into a pipe', {env: {FORCE_COLOR: '1'}, expected: 1, isTTY: false}],
    ['auto, FORCE_COLOR=2 into a pipe', {env: {FORCE_COLOR: '2'}, expected: 2, isTTY: false}],
    ['auto, FORCE_COLOR=3 into a pipe', {env: {FORCE_COLOR: '3'}, expected: 3, isTTY: false}],
    ['auto, FORCE_COLOR empty into a pipe', {env: {FORCE_COLOR: ''}, expected: 1, isTTY: false}],
    ['auto, FORCE_COLOR=true into a pipe', {env: {FORCE_COLOR: 'true'}, expected: 1, isTTY: false}],
    ['auto, FORCE_COLOR=yes into a pipe', {env: {FORCE_COLOR: 'yes'}, expected: 1, isTTY: false}],
    ['auto, FORCE_COLOR=1 overrides a truecolor TTY', {env: {COLORTERM: 'truecolor', FORCE_COLOR: '1'}, expected: 1, isTTY: true}],
    ['auto, FORCE_COLOR beats TERM=dumb', {env: {FORCE_COLOR: '1', TERM: 'dumb'}, expected: 1, isTTY: true}],
    ['always into a pipe', {env: {}, expected: 1, flag: 'always', isTTY: false}],
    ['always into a pipe ignores COLORTERM', {env: {COLORTERM: 'truecolor'}, expected: 1, flag: 'always', isTTY: false}],
    ['always on a truecolor TTY', {env: {COLORTERM: 'truecolor'}, expected: 3, flag: 'always', isTTY: true}],
    ['always beats NO_COLOR', {env: {NO_COLOR: '1'}, expected: 1, flag: 'always', isTTY: false}],
    ['always beats FORCE_COLOR=0', {env: {FORCE_COLOR: '0'}, expected: 1, flag: 'always', isTTY: false}],
    ['always beats TERM=dumb', {env: {TERM: 'dumb'}, expected: 1, flag: 'always', isTTY: true}],
    ['always takes the depth of FORCE_COLOR=2', {env: {FORCE_COLOR: '2'}, expected: 2, flag: 'always', isTTY: false}],
    ['always takes FORCE_COLOR=1 over the terminal', {env: {COLORTERM: 'truecolor', FORCE_COLOR: '1'}, expected: 1, flag: 'always', isTTY: true}],
    ['--force-colors into a pipe', {env: {}, expected: 1, forceColors: true, isTTY: false}],
    ['--force-colors beats NO_COLOR', {env: {NO_COLOR: '1'}, expected: 1, forceColors: true, isTTY: false}],
    ['--force-colors beats FORCE_COLOR=0', {env: {FORCE_COLOR: '0'}, expected: 1, forceColors: true, isTTY: false}],
    ['--force-colors overrides --color auto', {env: {}, expected: 1, flag: 'auto', forceColors: true, isTTY: false}],
    ['--force-colors=false leaves auto alone', {env: {}, expected: 0, forceColors: false, isTTY: false}],
    ['never on a TTY', {env: TERMINAL, expected: 0, flag: 'never', isTTY: true}],
    ['never beats FORCE_COLOR=3', {env: {FORCE_COLOR: '3'}, expected: 0, flag: 'never', isTTY: true}],
    ['never beats --force-colors', {env: {}, expected: 0, flag: 'never', forceColors: true, isTTY: true}],
    ['auto, HEROKU_LOGS_COLOR=0 on a TTY', {env: {...TERMINAL, HEROKU_LOGS_COLOR: '0'}, expected: 0, isTTY: true}],
    ['auto, HEROKU_COLOR=0 on a TTY', {env: {...TERMINAL, HEROKU_COLOR: '0'}, expected: 0, isTTY: true}],
    ['auto, HEROKU_LOGS_COLOR=0 beats FORCE_COLOR', {env: {FORCE_COLOR: '1', HEROKU_LOGS_COLOR: '0'}, expected: 0, isTTY: false}],
    ['auto, HEROKU_LOGS_COLOR=1 changes nothing', {env: {...TERMINAL, HEROKU_LOGS_COLOR: '1'}, expected: 1, isTTY: true}],
    ['always beats HEROKU_LOGS_COLOR=0', {env: {HEROKU_LOGS_COLOR: '0'}, expected: 1, flag: 'always', isTTY: false}],
  ]

  for (const [name, {env = {}, expected, flag, forceColors, isTTY}] of rows) {
    it(name, () => {
      assert.equal(resolveColorLevel({env, flag, forceColors, isTTY}), expected)
    })
  }

  describe('every combination', () => {
    const flags: Array<ColorFlag | undefined> = [undefined, ...COLOR_FLAGS]
    const noColors = [undefined, '', '1']
    const forceColors = [undefined, '', '0', 'false', 'true', '1', '2', '3']
    const terms = [undefined, 'xterm', 'xterm-256color', 'dumb']
    const combinations: Array<{flag: ColorFlag | undefined; force: boolean; isTTY: boolean; env: Env}> = []
    for (const flag of flags) for (const force of [false, true]) for (const isTTY of [false, true])
      for (const NO_COLOR of noColors) for (const FORCE_COLOR of forceColors) for (const TERM of terms)
        combinations.push({env: {FORCE_COLOR, NO_COLOR, TERM}, flag, force, isTTY})

    const level = ({env, flag, force, isTTY}: (typeof combinations)[number]) =>
      resolveColorLevel({env, flag, forceColors: force, isTTY})

    it('never is always off', () => {
      for (const c of combinations.filter((c) => c.flag === 'never')) assert.equal(level(c), 0, JSON.stringify(c))
    })

    it('always and --force-colors are always on', () => {
      for (const c of combinations.filter((c) => c.flag === 'always' || (c.force && c.flag !== 'never'))) {
        assert.ok(level(c) >= 1, JSON.stringify(c))
      }
    })

    it('in auto, a non-empty NO_COLOR is always off', () => {
      for (const c of combinations.filter((c) => c.flag !== 'never' && c.flag !== 'always' && !c.force && c.env.NO_COLOR)) {
        assert.equal(level(c), 0, JSON.stringify(c))
      }
    })

    it('in auto without FORCE_COLOR, a pipe or TERM=dumb is off', () => {
      const auto = combinations.filter((c) => (c.flag === undefined || c.flag === 'auto') && !c.force && c.env.FORCE_COLOR === undefined)
      for (const c of auto.filter((c) => !c.isTTY || c.env.TERM === 'dumb')) assert.equal(level(c), 0, JSON.stringify(c))
    })

    it('always gives a chalk level', () => {
      for (const c of combinations) assert.ok([0, 1, 2, 3].includes(level(c)), JSON.stringify(c))
    })
  })
})
