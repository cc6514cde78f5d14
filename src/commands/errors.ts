import {Args, Command} from '@oclif/core'

import {usageError} from '../cli/error-output.js'
import {suggestCodes} from '../explain/close-codes.js'
import {type ErrorGuide, ERROR_GUIDES} from '../explain/error-guide.js'
import {type ErrorCode, ERROR_CODES} from '../parse/error-codes.js'

/** One code explained, as `--json` prints it. */
type Explanation = ErrorCode & ErrorGuide

export default class Errors extends Command {
  static override args = {
    code: Args.string({description: 'an error code: H12, R14, L10 (any case); anything else lists the codes it is close to or whose title has its words'}),
  }

  static override description = `Heroku writes these codes into the log: H codes from the router (\`code=H12 desc="Request timeout"\`), R codes from the runtime (\`Error R14 (Memory quota exceeded)\`), L codes from Logplex. Without a code, lists them all with what usually causes each; with one, explains it: what it means, usual causes, what to do. \`logs --explain\` notes the same on each line that carries a code.`

  static override enableJsonFlag = true

  static override examples = [
    {command: '<%= config.bin %> <%= command.id %>', description: 'Every code, one line each'},
    {command: '<%= config.bin %> <%= command.id %> H12', description: 'What a request timeout means and what to do about it'},
    {command: '<%= config.bin %> <%= command.id %> --json | jq -r ".[].code"', description: 'The codes, for scripts'},
  ]

  static override summary = 'Explain Heroku error codes (H10–H99, R10–R99, L10–L15)'

  /** A usage mistake as one line and exit 2, with --json too (oclif would print the parser's whole context, exit 1). */
  protected override async catch(error: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    const shown: Error & {oclif?: {exit?: number}} = usageError(error)
    if (shown.oclif?.exit !== undefined) process.exitCode = shown.oclif.exit
    return super.catch(shown)
  }

  async run(): Promise<ErrorCode[] | Explanation> {
    const {args} = await this.parse(Errors)
    if (args.code === undefined) {
      const codes = [...ERROR_CODES.values()]
      const width = Math.max(...codes.map(({title}) => title.length))
      for (const {cause, code, title} of codes) this.log(`${code}  ${title.padEnd(width)}  ${cause}`)
      return codes
    }

    const wanted = args.code.trim().toUpperCase()
    const code = ERROR_CODES.get(wanted)
    const guide = ERROR_GUIDES.get(wanted)
    if (code === undefined || guide === undefined) {
      const close = suggestCodes(args.code)
      const suggestions = close.map((near) => `${this.config.bin} ${this.id} ${near}  (${ERROR_CODES.get(near)!.title})`)
      this.error(`${args.code} is not a Heroku error code`, {exit: 2, suggestions: [...suggestions, `${this.config.bin} ${this.id} lists every code`]})
    }

    this.log(`${code.code} ${code.title}\n${guide.meaning}\n`)
    this.log(`Usual causes\n${guide.causes.map((cause) => `  - ${cause}`).join('\n')}\n`)
    this.log(`What to do\n${guide.actions.map((action) => `  - ${action}`).join('\n')}`)
    return {...code, ...guide}
  }
}
