/** Where `logs` reads from: a discriminated union, so no later stage re-parses the argument. */
export type Input = {kind: 'file'; path: string} | {kind: 'stdin'}

/** Arguments to inputs: `-` is stdin, no argument is stdin when it is not a terminal. */
export function resolveInputs(args: string[], stdinIsTTY: boolean): Input[] | undefined {
  if (args.length === 0) return stdinIsTTY ? undefined : [{kind: 'stdin'}]
  return args.map((arg) => (arg === '-' ? {kind: 'stdin'} : {kind: 'file', path: arg}))
}

/** How an input is named in messages. */
export function inputName(input: Input): string {
  return input.kind === 'stdin' ? '(standard input)' : input.path
}
