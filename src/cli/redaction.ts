import {Flags} from '@oclif/core'

/** `--redact` and its extras: shared by the commands that read logs and by `serve`. */
export const redactFlags = {
  redact: Flags.boolean({description: 'mask secrets as [REDACTED]: values of keys naming secrets (password, token, api_key, cookie...), Bearer and Basic credentials, URL passwords, AWS access keys, JWTs, card numbers'}),
  'redact-email': Flags.boolean({description: 'also mask email addresses (implies --redact)'}),
  'redact-key': Flags.string({description: 'also mask the value of this key, matched whole in any case (implies --redact)', helpValue: 'KEY', multiple: true}),
  'redact-pattern': Flags.string({description: 'also mask every match of this regular expression (implies --redact)', helpValue: 'REGEX', multiple: true}),
}
