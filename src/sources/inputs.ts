import type {AppSessions} from './session.js'

/** Where `logs` reads from: a discriminated union, so no later stage re-parses the argument. */
export type Input =
  | {kind: 'app'; sessions: AppSessions}
  | {kind: 'file'; path: string}
  | {kind: 'stdin'}
  | {kind: 'url'; url: string}

/** How standard input is named in messages. */
export const STDIN_NAME = '(standard input)'

/** Arguments to inputs: `-` is stdin, an http(s) URL a log stream, no argument stdin when it is not a terminal. */
export function resolveInputs(args: string[], stdinIsTTY: boolean): Input[] | undefined {
  if (args.length === 0) return stdinIsTTY ? undefined : [{kind: 'stdin'}]
  return args.map((arg) => {
    if (arg === '-') return {kind: 'stdin'}
    if (/^https?:\/\//i.test(arg)) return {kind: 'url', url: arg}
    return {kind: 'file', path: arg}
  })
}

/** How an input is named in messages. */
export function inputName(input: Input): string {
  switch (input.kind) {
    case 'app': {
      return input.sessions.app
    }

    case 'file': {
      return input.path
    }

    case 'stdin': {
      return STDIN_NAME
    }

    case 'url': {
      return input.url
    }
  }
}
