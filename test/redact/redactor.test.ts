import assert from 'node:assert/strict'

import type {FieldValue, Fields} from '../../src/parse/record.js'
import {createRedactor, RedactPatternError} from '../../src/redact/redactor.js'
import {isCardNumber, passesLuhn} from '../../src/redact/rules.js'

const R = '[REDACTED]'
const redact = createRedactor()

/** [input, expected]: each rule on the kind of line it turns up in. */
const RULES: Record<string, Array<[string, string]>> = {
  'keys naming secrets, logfmt': [
    ['level=info msg="login" password=hunter2 user=bob', `level=info msg="login" password=${R} user=bob`],
    ['at=info db_password="correct horse battery" host=db1', `at=info db_password="${R}" host=db1`],
    ['PASSWD=x1 Secret=s3 client_secret=abc123 api_key=k1 apikey=k2 API-KEY=k3 ApiKey=k4', `PASSWD=${R} Secret=${R} client_secret=${R} api_key=${R} apikey=${R} API-KEY=${R} ApiKey=${R}`],
    ['access_token=ya29.a0AfH6SMC refresh-token=1//0gLx session_id=8f14e45f cookie=abc credit_card=4000056655665556', `access_token=${R} refresh-token=${R} session_id=${R} cookie=${R} credit_card=${R}`],
    ["token='single quoted'", `token='${R}'`],
    ['auth_token=Bearer 9f86d081884c7d65 user=bob', `auth_token=Bearer ${R} user=bob`],
  ],
  'keys naming secrets, JSON': [
    ['{"user":"bob","password":"pa\\"ss","ok":true}', `{"user":"bob","password":"${R}","ok":true}`],
    ['DEBUG: auth {"access_token": "eyJ0eXAi", "expires_in": 3600}', `DEBUG: auth {"access_token": "${R}", "expires_in": 3600}`],
    ['{"apiKey":12345678,"session":null,"token":"","secret":false}', `{"apiKey":"${R}","session":null,"token":"","secret":false}`],
    ['{"auth":{"Authorization":"Bearer abc.def.ghi"}}', `{"auth":{"Authorization":"Bearer ${R}"}}`],
  ],
  'keys naming secrets, `key: value` and Ruby hashes': [
    ['Authorization: Bearer 9f86d081884c7d659a2feaa0c55ad015', `Authorization: Bearer ${R}`],
    ['X-Api-Key: 5f4dcc3b5aa765d61d83', `X-Api-Key: ${R}`],
    ['authorization: bearer 9f86d081884c7d65 via proxy', `authorization: bearer ${R} via proxy`],
    ['Set-Cookie: _myapp_session=BAh7CEkiD3Nlc3Npb25; path=/; HttpOnly', `Set-Cookie: ${R}; path=/; HttpOnly`],
    ['Parameters: {"user"=>{"login"=>"bob", "password"=>"hunter2"}, "token"=>"[FILTERED]"}', `Parameters: {"user"=>{"login"=>"bob", "password"=>"${R}"}, "token"=>"[FILTERED]"}`],
  ],
  'keys in query strings': [
    ['at=info method=GET path="/reset_password?token=c2VjcmV0&step=2" status=302', `at=info method=GET path="/reset_password?token=${R}&step=2" status=302`],
  ],
  'Bearer and Basic credentials': [
    ['calling api with bearer eyJhbGciOi.x', `calling api with bearer ${R}`],
    ['upstream sent Bearer 2YotnFZFEjr1zCsicMWpAA', `upstream sent Bearer ${R}`],
    ['proxy auth Basic dXNlcjpwYXNzd29yZA== accepted', `proxy auth Basic ${R} accepted`],
  ],
  'credentials in URLs': [
    ['connecting to postgres://u8kd93:p4f2e9c1b7@ec2-54-1-2-3.compute-1.amazonaws.com:5432/d1ab', `connecting to postgres://u8kd93:${R}@ec2-54-1-2-3.compute-1.amazonaws.com:5432/d1ab`],
    ['REDIS_URL=redis://:p8e2b1c3d@ec2-3-4-5-6.compute-1.amazonaws.com:6379', `REDIS_URL=redis://:${R}@ec2-3-4-5-6.compute-1.amazonaws.com:6379`],
    ['fetch https://deploy:gh%40pass@git.example.com/repo.git', `fetch https://deploy:${R}@git.example.com/repo.git`],
  ],
  'AWS access keys': [
    ['using AKIAIOSFODNN7EXAMPLE for s3', `using ${R} for s3`],
    ['assumed role key=ASIAY34FZKBOKMUTVV7A', `assumed role key=${R}`],
  ],
  JWTs: [
    ['jwt eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U ok', `jwt ${R} ok`],
    ['alg none: eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', `alg none: ${R}`],
  ],
  'card numbers that pass the Luhn check': [
    ['charge card 4111111111111111 ok', `charge card ${R} ok`],
    ['card 4242 4242 4242 4242 exp 12/30', `card ${R} exp 12/30`],
    ['card 5555-5555-5555-4444', `card ${R}`],
    ['amex 3782 822463 10005 and 378282246310005', `amex ${R} and ${R}`],
    ['mc 2223003122003222 discover 6011111111111117', `mc ${R} discover ${R}`],
    ['{"number":4012888888881881,"cvc":"123"}', `{"number":"${R}","cvc":"123"}`],
  ],
}

/** Text that looks a little like a secret and is not one: each stays exactly as it is. */
const UNCHANGED = [
  'at=info method=GET path="/login" host=demo.herokuapp.com request_id=0c3417f3-1d56-4f46-8dbe-8ca2a95c90e5 fwd="56.44.213.71" dyno=web.1 connect=2ms service=71ms status=404 bytes=15270 protocol=https',
  'source=web.2 dyno=heroku.12345678.7f461e33-2a3b-4ff0-9424-a130b19268c4 sample#memory_total=438.57MB sample#memory_pgpgin=370002pages',
  'user updated their password',
  'Bearer token missing; bearer authentication failed',
  'Basic plan selected; Basic dXNlcg== has no colon',
  'card 4111111111111112 fails Luhn',
  'epoch ms 1714564800123 and us 1714564800123456 start with 1',
  'ratio 0.4111111111111111 is a fraction, 4111111111111111.5 a decimal',
  'order 12345678-1234-1234-1234-123456789012 is a numeric UUID',
  'https://example.com:8443/path?x=1 has a port, not a password',
  'see https://user@example.com/ for details',
  'AKIAIOSFODNN7EXAMPL is one short, AKIAIOSFODNN7EXAMPLE1 one long',
  'Release v123 created by user dev@example.com',
  'password= token="" secret=true session=false',
  'token=Basic user=bob',
  'password=[REDACTED] token="[REDACTED]" cookie=[FILTERED]',
]

describe('redactor', () => {
  for (const [rule, cases] of Object.entries(RULES)) {
    it(`redacts ${rule}`, () => {
      for (const [input, expected] of cases) assert.equal(redact.text(input), expected, input)
    })
  }

  it('changes nothing in text that only looks like a secret, and returns the same string', () => {
    for (const input of UNCHANGED) assert.equal(redact.text(input), input)
  })

  it('is idempotent', () => {
    for (const cases of Object.values(RULES)) {
      for (const [, expected] of cases) assert.equal(redact.text(expected), expected)
    }
  })

  it('redacts emails only with --redact-email', () => {
    const line = 'Release v123 created by user dev3@example.com; notify ops+alerts@mail.example.co.uk'
    assert.equal(redact.text(line), line)
    assert.equal(createRedactor({email: true}).text(line), `Release v123 created by user ${R}; notify ${R}`)
    assert.equal(createRedactor({email: true}).text('Scaled to web@2:Standard-1X'), 'Scaled to web@2:Standard-1X')
  })

  it('redacts the values of --redact-key keys, matched whole, any case, - and _ alike', () => {
    const withPin = createRedactor({keys: ['pin', 'x_user_ssn']})
    assert.equal(withPin.text('pin=1234 PIN=5678 user.pin=9 pinned=true shipping=fast'), `pin=${R} PIN=${R} user.pin=${R} pinned=true shipping=fast`)
    assert.equal(withPin.text('{"X-User-SSN":"078-05-1120"}'), `{"X-User-SSN":"${R}"}`)
    assert.equal(withPin.text('password=x'), `password=${R}`)
  })

  it('redacts every match of --redact-pattern, and ignores empty matches', () => {
    const withPatterns = createRedactor({patterns: [String.raw`\b\d{3}-\d{2}-\d{4}\b`, String.raw`(?<=acct=)\w+`, 'x*']})
    assert.equal(withPatterns.text('ssn 078-05-1120 acct=AB12 xx'), `ssn ${R} acct=${R} ${R}`)
  })

  it('rejects a bad --redact-pattern with a message naming the flag and the pattern', () => {
    assert.throws(() => createRedactor({patterns: ['(unclosed']}), (error: unknown) => {
      assert.ok(error instanceof RedactPatternError)
      assert.equal(error.message, '--redact-pattern "(unclosed" is not a valid regular expression: Unterminated group')
      return true
    })
  })

  it('redacts fields by key and by value, nested and in arrays, keeping everything else', () => {
    const fields = {
      auth: {authorization: 'Basic dXNlcjpwYXNz', token: 5},
      card: 4111111111111111,
      count: 3,
      links: ['postgres://u:p@h/db', 'plain'],
      msg: 'login password=hunter2',
      ok: true,
      password: 'x',
      session: null,
      status: 200,
    }
    assert.deepEqual(redact.fields(fields), {
      auth: {authorization: `Basic ${R}`, token: R},
      card: R,
      count: 3,
      links: [`postgres://u:${R}@h/db`, 'plain'],
      msg: `login password=${R}`,
      ok: true,
      password: R,
      session: null,
      status: 200,
    })
  })

  it('keeps a JSON key named __proto__ as a field', () => {
    const redacted = redact.fields(JSON.parse('{"__proto__":{"token":"x"},"a":1}'))
    assert.equal(JSON.stringify(redacted), `{"__proto__":{"token":"${R}"},"a":1}`)
  })

  it('redacts fields nested 100,000 deep, without recursion', () => {
    const deep = (leaf: FieldValue): Fields => {
      let value: FieldValue = leaf
      for (let i = 0; i < 100_000; i++) value = i % 2 === 0 ? [value] : {a: value}
      return {a: value, n: 1}
    }

    let value: FieldValue = redact.fields(deep({token: 'hunter2', ok: 'x'}))
    while (typeof value === 'object' && value !== null && !('token' in value)) value = Array.isArray(value) ? value[0] : value.a
    assert.deepEqual(value, {ok: 'x', token: R})
  })

  it('knows a card number: Luhn, length, and the first digit of an issuer', () => {
    assert.ok(passesLuhn('79927398713'))
    assert.ok(!passesLuhn('79927398710'))
    assert.ok(isCardNumber('4111 1111 1111 1111'))
    assert.ok(!isCardNumber('1234567812345670'), 'passes Luhn, but no card starts with 1')
    assert.ok(!isCardNumber('2000000000000008'), 'Mastercard 2-series starts at 2221')
    assert.ok(!isCardNumber('424242424242'), 'twelve digits')
  })
})
