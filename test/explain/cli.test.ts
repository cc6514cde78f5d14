import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {ERROR_CODES} from '../../src/parse/error-codes.js'
import {runCli, tempDir} from '../helpers/cli.js'

const TS = '2024-05-01T12:00:00.123456+00:00'
const H12 = `${TS} heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/x" dyno=web.1 service=30001ms status=503`
const PLAIN = `${TS} app[web.1]: Listening on port 3000`
const R15 = `${TS} heroku[web.1]: Error R15 (Memory quota vastly exceeded)`

/** oclif wraps error lines at the terminal width; joined again for matching. */
const unwrap = (stderr: string) => stderr.replaceAll(/ \n ›\s+/g, ' ')

describe('logs --explain (CLI)', () => {
  it('appends the code\'s title and usual cause to lines with a code', async () => {
    const result = await runCli(['logs', '-', '--explain'], {input: [H12, PLAIN, R15].join('\n') + '\n'})
    assert.equal(result.code, 0)
    assert.deepEqual(result.stdout.split('\n'), [
      H12 + '  # H12 Request timeout: the app took longer than 30 s to answer a request',
      PLAIN,
      R15 + '  # R15 Memory quota vastly exceeded: the dyno used far more memory than its quota (2x or more) and was killed',
      '',
    ])
  })

  it('refuses --explain with a machine format: exit 2 and a pointer to `errors`', async () => {
    const result = await runCli(['logs', '-', '--explain', '-o', 'json'], {input: H12 + '\n'})
    assert.equal(result.code, 2)
    assert.equal(result.stdout, '')
    assert.match(unwrap(result.stderr), /--explain annotates pretty output; -o json stays as it is for scripts/)
    assert.match(result.stderr, /logsift errors CODE/)
  })
})

describe('logsift errors (CLI)', () => {
  it('lists every code, one line each: code, title, usual cause', async () => {
    const result = await runCli(['errors'])
    assert.equal(result.code, 0)
    const lines = result.stdout.trimEnd().split('\n')
    assert.equal(lines.length, ERROR_CODES.size)
    assert.match(lines[0], /^H10 {2}App crashed {2,}a web dyno crashed or failed to boot/)
    assert.ok(lines.some((line) => /^R14 {2}Memory quota exceeded {2,}the dyno used more memory than its quota and is swapping to disk$/.test(line)))
    assert.match(lines.at(-1)!, /^L15 {2}Tail buffer temporarily unavailable {2}/)
  })

  it('explains one code, in any case: what it means, usual causes, what to do', async () => {
    const result = await runCli(['errors', 'h12'])
    assert.equal(result.code, 0)
    const [title, meaning, blank, causes] = result.stdout.split('\n')
    assert.equal(title, 'H12 Request timeout')
    assert.match(meaning, /within 30 seconds/)
    assert.equal(blank, '')
    assert.equal(causes, 'Usual causes')
    assert.match(result.stdout, /\nWhat to do\n {2}- move long work to a worker dyno/)
  })

  it('--json gives the list, or one code with its explanation', async () => {
    const all = JSON.parse((await runCli(['errors', '--json'])).stdout)
    assert.equal(all.length, ERROR_CODES.size)
    assert.deepEqual(all[0], {cause: ERROR_CODES.get('H10')!.cause, code: 'H10', title: 'App crashed'})
    const r14 = JSON.parse((await runCli(['errors', 'R14', '--json'])).stdout)
    assert.equal(r14.title, 'Memory quota exceeded')
    assert.ok(Array.isArray(r14.causes) && Array.isArray(r14.actions) && typeof r14.meaning === 'string')
  })

  it('an unknown code: exit 2, with the close codes to try', async () => {
    const result = await runCli(['errors', 'H30'])
    assert.equal(result.code, 2)
    assert.equal(result.stdout, '')
    const stderr = unwrap(result.stderr)
    assert.match(stderr, /Error: H30 is not a Heroku error code/)
    assert.match(stderr, /logsift errors H31 {2}\(Misdirected Request\)/)
    assert.match(stderr, /logsift errors H28 {2}\(Client Connection Idle\)/)
    assert.match(stderr, /logsift errors lists every code/)
  })

  const unknown: Array<[string, string[]]> = [
    ['H99x', ['H99  (Platform error)', 'R99  (Platform error)']],
    ['h12x', ['H12  (Request timeout)', 'H11  (Backlog too deep)']],
    ['12', ['H12  (Request timeout)', 'L12  (Local buffer overflow)', 'R12  (Exit timeout)']],
    ['timeout', ['H12  (Request timeout)', 'R10  (Boot timeout)', 'H20  (App boot timeout)', 'R12  (Exit timeout)']],
    ['R1', ['R10  (Boot timeout)', 'R12  (Exit timeout)']],
  ]
  for (const [input, expected] of unknown) {
    it(`${input}: exit 2, with the closest codes`, async () => {
      const result = await runCli(['errors', input])
      assert.equal(result.code, 2)
      assert.equal(result.stdout, '')
      const stderr = unwrap(result.stderr)
      assert.match(stderr, new RegExp(`Error: ${input} is not a Heroku error code`))
      for (const suggestion of expected) assert.ok(stderr.includes(`logsift errors ${suggestion}`), `${suggestion} in\n${stderr}`)
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace')
    })
  }
})

describe('logsift autocomplete (CLI)', () => {
  const home = tempDir('logsift-autocomplete-')
  const env = {HOME: home, XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data')}
  const functions = join(home, 'cache', 'logsift', 'autocomplete', 'functions')

  it('bash: prints the setup instructions, exit 0, and writes the completion function under the cache dir', async () => {
    const result = await runCli(['autocomplete', 'bash'], {env})
    assert.equal(result.code, 0)
    assert.match(result.stdout, /Setup Instructions for LOGSIFT CLI Autocomplete/)
    assert.match(result.stdout, /printf "\$\(logsift autocomplete:script bash\)" >> ~\/\.bashrc; source ~\/\.bashrc/)
    assert.deepEqual(readdirSync(join(functions, 'bash')), ['logsift.bash'])
  })

  it('zsh: prints the setup instructions, exit 0, and writes _logsift', async () => {
    const result = await runCli(['autocomplete', 'zsh'], {env})
    assert.equal(result.code, 0)
    assert.match(result.stdout, /printf "\$\(logsift autocomplete:script zsh\)" >> ~\/\.zshrc; source ~\/\.zshrc/)
    const zsh = readFileSync(join(functions, 'zsh', '_logsift'), 'utf8')
    for (const word of ['errors', 'logs', 'serve', '--redact', '--explain']) assert.ok(zsh.includes(word), word)
  })

  it('the bash function completes commands and flags', async () => {
    await runCli(['autocomplete', 'bash'], {env})
    // bash-completion's helpers, reduced to what the function needs when the word has no colon.
    const script = `
      _get_comp_words_by_ref() { :; }
      __ltrim_colon_completions() { :; }
      source ${JSON.stringify(join(functions, 'bash', 'logsift.bash'))}
      complete() { :; }
      COMP_WORDS=(logsift er); COMP_CWORD=1; _logsift_autocomplete; echo "\${COMPREPLY[*]}"
      COMP_WORDS=(logsift logs --red); COMP_CWORD=2; _logsift_autocomplete; echo "\${COMPREPLY[*]}"
    `
    const output = execFileSync('bash', ['-c', script], {encoding: 'utf8'})
    assert.deepEqual(output.split('\n'), ['errors', '--redact --redact-email --redact-key --redact-pattern', ''])
  })
})
