import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {Errors} from '@oclif/core'

import {renderError} from '../../src/cli/error-output.js'
import {closestName, editDistance} from '../../src/cli/suggest.js'
import {type CliResult, runCli, tempDir} from '../helpers/cli.js'

const ANSI = /\u001B\[/

/** A usage error as a user sees it: exit 2, `Error: ` and one hint line, plain, no stack, nothing on stdout. */
function assertUsageError(result: CliResult, error: RegExp, hint: RegExp): void {
  assert.equal(result.code, 2, result.stderr)
  assert.equal(result.stdout, '')
  assert.doesNotMatch(result.stderr, ANSI)
  assert.doesNotMatch(result.stderr, /\n\s+at /)
  const lines = result.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 2, result.stderr)
  assert.match(lines[0], /^ › {3}Error: /)
  assert.match(lines[0], error)
  assert.match(lines[1], hint)
}

describe('usage errors (CLI)', () => {
  const dir = tempDir()
  const log = join(dir, 'app.log')
  writeFileSync(log, '2024-05-01T12:00:00.000000+00:00 app[web.1]: hello\n')

  it('a bad --color value: one plain line, though --color is on the command line, exit 2', async () => {
    const result = await runCli(['logs', '--color', 'sometimes', log])
    assertUsageError(result, /--color=sometimes .*auto, always, never/, /See more help with --help/)
  })

  it('an unknown flag: names it and the closest flag, not the whole usage', async () => {
    const result = await runCli(['logs', '--colour', 'always', log])
    assertUsageError(result, /Nonexistent flag: --colour\. Did you mean --color\?/, /^ › {3}See more help with --help$/)
  })

  it('a mistyped --help: did you mean --help, not the closest of the command\'s own flags (--app)', async () => {
    for (const args of [['logs', '--halp'], ['drains:add', '--hepl']]) {
      assertUsageError(await runCli(args), /Nonexistent flag: --h\w+\. Did you mean --help\?$/, /See more help with --help/)
    }
  })

  it('tail\'s -f or --follow: suggests -t, which follows, where the command has it', async () => {
    for (const flag of ['-f', '--follow']) {
      assertUsageError(await runCli(['logs', flag, log]), new RegExp(`Nonexistent flag: ${flag}\\. Did you mean -t \\(--tail\\), which follows as tail -f does\\?$`), /See more help with --help/)
    }

    assertUsageError(await runCli(['logs:stats', '-f', log]), /Nonexistent flag: -f$/, /See more help with --help/)
  })

  it('an unknown flag with nothing close: names it only', async () => {
    const result = await runCli(['logs', '--frobnicate', log])
    assertUsageError(result, /Nonexistent flag: --frobnicate$/, /See more help with --help/)
  })

  it('a value the flag parser rejects: exit 2, naming flag and value', async () => {
    const result = await runCli(['logs', '-n', 'many', log])
    assertUsageError(result, /--num: expected an integer but received: many/, /See more help with --help/)
  })

  it('with --json: the same one message in the error object, exit 2, not the parser\'s whole context', async () => {
    for (const [args, message] of [[['apps', '--json', '--bogus'], 'Nonexistent flag: --bogus'], [['errors', '--json', '--bogus'], 'Nonexistent flag: --bogus'], [['drains:add', '--json', '-a', 'x'], 'Missing URL']] as const) {
      const result = await runCli([...args])
      assert.equal(result.code, 2, args.join(' '))
      assert.ok(result.stdout.length < 1024, `${args.join(' ')}: ${result.stdout.length} bytes`)
      assert.ok(JSON.parse(result.stdout).error.message.startsWith(message), result.stdout)
    }
  })

  it('-h is --help, as the Heroku CLI takes it', async () => {
    for (const args of [['logs', '-h'], ['-h'], ['drains:add', '-h']]) {
      const result = await runCli(args)
      assert.equal(result.code, 0, args.join(' '))
      assert.equal(result.stdout, (await runCli([...args.slice(0, -1), '--help'])).stdout, args.join(' '))
    }
  })

  it('a missing argument: one line naming it', async () => {
    const result = await runCli(['apps:create'])
    assertUsageError(result, /Missing NAME/, /See more help with --help/)
  })

  it('an unknown command: did you mean, exit 2, without waiting for an answer', async () => {
    const result = await runCli(['log', log])
    assertUsageError(result, /log is not a logsift command\. Did you mean logs\?/, /logsift --help/)
    const far = await runCli(['zzzzzz'])
    assertUsageError(far, /zzzzzz is not a logsift command\.$/, /logsift --help/)
  })

  it('a command error keeps its Try this hint, plain into a pipe even with FORCE_COLOR unset and --color given', async () => {
    const result = await runCli(['logs', '--color', 'always', '--explain', '-o', 'json', log])
    assertUsageError(result, /--explain annotates pretty output/, /^ › {3}Try this: /)
  })

  it('--color on the command line does not colour help into a pipe; log output still follows it', async () => {
    const help = await runCli(['logs', '--color', 'always', '--help'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /--tz/)
    assert.doesNotMatch(help.stdout, ANSI)
    const output = await runCli(['logs', '--color', 'always', log])
    assert.match(output.stdout, ANSI)
  })

  describe('serve', () => {
    const serve = (...args: string[]) => runCli(['serve', '--port', '0', '--syslog-port', '0', '--data-dir', join(dir, 'data'), ...args])

    it('--tls-cert or --tls-key naming no file', async () => {
      const pem = join(dir, 'exists.pem')
      writeFileSync(pem, 'x')
      assertUsageError(await serve('--tls-cert', '/missing/cert.pem', '--tls-key', pem), /--tls-cert: no file found at \/missing\/cert\.pem/, /--help/)
      assertUsageError(await serve('--tls-cert', pem, '--tls-key', '/missing/key.pem'), /--tls-key: no file found at \/missing\/key\.pem/, /--help/)
    })

    it('--tls-cert and --tls-key that are not PEM', async () => {
      const junk = join(dir, 'junk.pem')
      writeFileSync(junk, 'not a certificate\n')
      const result = await serve('--tls-cert', junk, '--tls-key', junk, '--syslog-tls-port', '0')
      assertUsageError(result, /--tls-cert .*junk\.pem --tls-key .*junk\.pem: not a PEM certificate and its private key/, /openssl req/)
    })

    it('--ca naming no file', async () => {
      assertUsageError(await serve('--ca', '/missing/ca.pem'), /--ca: no file found at \/missing\/ca\.pem/, /--help/)
    })

    it('--host that is no address: blames the host, not the port', async () => {
      const result = await serve('--host', '999.1.1.1')
      assertUsageError(result, /--host 999\.1\.1\.1 is neither an address nor a name/, /--host 127\.0\.0\.1/)
      assert.doesNotMatch(result.stderr, /port/)
    })

    it('--data-dir naming a regular file', async () => {
      const file = join(dir, 'a-file')
      writeFileSync(file, '')
      const result = await runCli(['serve', '--port', '0', '--syslog-port', '0', '--data-dir', file])
      assertUsageError(result, new RegExp(`--data-dir ${file}: a file is in the way, not a directory`), /--data-dir/)
      assert.doesNotMatch(result.stderr, /EEXIST/)
    })
  })
})

describe('renderError', () => {
  const error = new Errors.CLIError('--level loud is not a level', {exit: 2, suggestions: ['one of: error, warn']})

  it('plain: oclif layout, one line per part, no escapes', () => {
    assert.equal(renderError(error, false), ' ›   Error: --level loud is not a level\n ›   Try this: one of: error, warn')
  })

  it('does not wrap a long message', () => {
    const long = new Errors.CLIError(`cannot reach ${'x'.repeat(200)}`)
    assert.equal(renderError(long, false).split('\n').length, 1)
  })

  it('drops escapes from a message when not colouring, keeps the red mark when colouring', () => {
    const dim = new Errors.CLIError('\u001B[2mfaint\u001B[22m')
    assert.equal(renderError(dim, false), ' ›   Error: faint')
    assert.equal(renderError(error, true).split('\n')[0], ' \u001B[31m›\u001B[39m   Error: --level loud is not a level')
  })

  it('lists several hints', () => {
    const several = new Errors.CLIError('no input', {suggestions: ['a', 'b']})
    assert.equal(renderError(several, false), ' ›   Error: no input\n ›   Try this:\n ›     * a\n ›     * b')
  })
})

describe('closestName', () => {
  const commands = ['apps', 'apps:create', 'apps:info', 'drains', 'drains:add', 'errors', 'logs', 'logs:stats', 'serve']
  const rows: Array<[string, string | undefined]> = [
    ['log', 'logs'],
    ['lgos', 'logs'],
    ['drians', 'drains'],
    ['drain', 'drains'],
    ['srve', 'serve'],
    ['Logs', 'logs'],
    ['apps:craete', 'apps:create'],
    ['x', undefined],
    ['zzzzzz', undefined],
    ['deploy', undefined],
  ]
  for (const [typed, expected] of rows) {
    it(`${typed} → ${expected ?? 'nothing'}`, () => assert.equal(closestName(typed, commands), expected))
  }

  it('counts a transposition as one edit', () => {
    assert.equal(editDistance('lgos', 'logs'), 1)
    assert.equal(editDistance('', 'abc'), 3)
    assert.equal(editDistance('kitten', 'sitting'), 3)
  })
})
