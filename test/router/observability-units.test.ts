import assert from 'node:assert/strict'

import {DropCounter, type DropOrigin} from '../../src/router/drops.js'
import {DropNotices, dropLine} from '../../src/router/observability/drop-notices.js'
import {parseProcNetUdp, procAddressHex} from '../../src/router/observability/proc-net-udp.js'
import {dropList, duration} from '../../src/router/observability/status-text.js'
import {describeUdpBuffer, formatBytes} from '../../src/router/observability/udp-buffer.js'

const PROC_NET_UDP = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  482: 0100007F:158A 00000000:0000 07 00000000:00000340 00:00000000 00000000     0        0 123456 2 0000000000000000 17
  990: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 2222 2 0000000000000000 0
garbage line
`

describe('router observability, pure parts', () => {
  it('parses /proc/net/udp rows: address, port, rx queue and drops', () => {
    assert.deepEqual(parseProcNetUdp(PROC_NET_UDP), [
      {drops: 17, localAddressHex: '0100007F', localPort: 5514, rxQueue: 0x340},
      {drops: 0, localAddressHex: '00000000', localPort: 53, rxQueue: 0},
    ])
  })

  it('writes addresses as the kernel prints them there', () => {
    const table: Array<[string, string | undefined]> = [
      ['127.0.0.1', '0100007F'],
      ['0.0.0.0', '00000000'],
      ['10.1.2.3', '0302010A'],
      ['::1', '00000000000000000000000001000000'],
      ['::', '00000000000000000000000000000000'],
      ['fe80::1', '000080FE000000000000000001000000'],
      ['::ffff:127.0.0.1', '0000000000000000FFFF00000100007F'],
      ['localhost', undefined],
    ]
    for (const [address, hex] of table) assert.equal(procAddressHex(address), hex, address)
  })

  it('counts drops router-wide and per app; an app-less drop is only router-wide', () => {
    const drops = new DropCounter()
    drops.count('syslog_unknown_app')
    drops.count('session_overflow', 5, 'app-1')
    drops.count('drain_overflow', 2, 'app-1')
    drops.count('session_overflow', 1, 'app-2')
    assert.equal(drops.snapshot().session_overflow, 6)
    assert.equal(drops.snapshot().syslog_unknown_app, 1)
    assert.equal(drops.forApp('app-1').session_overflow, 5)
    assert.equal(drops.forApp('app-1').drain_overflow, 2)
    assert.equal(drops.forApp('app-1').syslog_unknown_app, 0)
    assert.equal(drops.forApp('app-3').session_overflow, 0)
  })

  it('says the first drop of each cause per sender, then stays quiet for the window', () => {
    const lines: string[] = []
    const notices = new DropNotices((line) => lines.push(line))
    const drops = new DropCounter(notices.notice)
    const a: DropOrigin = {key: '127.0.0.1', sender: 'syslog from 127.0.0.1:5123'}
    const b: DropOrigin = {key: '127.0.0.2', sender: 'syslog from 127.0.0.2:6000'}
    drops.count('syslog_malformed', 1, undefined, a)
    drops.count('syslog_malformed', 1, undefined, {...a, sender: 'syslog from 127.0.0.1:5124'})
    drops.count('syslog_unknown_app', 1, undefined, {...a, detail: 'foo'})
    drops.count('syslog_malformed', 1, undefined, b)
    drops.count('syslog_malformed', 3)
    assert.deepEqual(lines, [
      'syslog from 127.0.0.1:5123: 1 message dropped (not syslog); further drops from this sender are counted, see logsift status',
      'syslog from 127.0.0.1:5123: 1 message dropped (unknown app "foo"); further drops from this sender are counted, see logsift status',
      'syslog from 127.0.0.2:6000: 1 message dropped (not syslog); further drops from this sender are counted, see logsift status',
    ])
    assert.equal(drops.snapshot().syslog_malformed, 6)
  })

  it('writes at most maxPerWindow lines however many senders, and says so once', () => {
    const lines: string[] = []
    const notices = new DropNotices((line) => lines.push(line), {maxPerWindow: 3})
    for (let i = 0; i < 10; i++) notices.notice('syslog_malformed', 1, {key: `10.0.0.${i}`, sender: `syslog from 10.0.0.${i}:1`})
    assert.equal(lines.length, 4)
    assert.match(lines[3], /^more senders had messages dropped; their notices are left out for 60 s, but every drop is counted: see logsift status$/)
  })

  it('names what was lost and why, per reason', () => {
    const origin = {key: 'x', sender: 'S'}
    const table: Array<[Parameters<typeof dropLine>[0], number, string]> = [
      ['connections', 1, 'S: 1 connection refused or closed (too many open connections: an idle one makes room for a new one)'],
      ['body_too_large', 2, 'S: 2 requests refused (body larger than the router accepts)'],
      ['drain_overflow', 15, 'S: 15 messages dropped (L10: retention removed them before the drain reached them)'],
      ['session_overflow', 1, 'S: 1 message dropped (L11: the session client reads too slowly)'],
      ['syslog_unknown_app', 1, 'S: 1 message dropped (it names no app of this router)'],
    ]
    for (const [reason, count, start] of table) assert.ok(dropLine(reason, count, origin).startsWith(start + ';'), dropLine(reason, count, origin))
  })

  it('shows the UDP buffer, and how to raise a capped one', () => {
    assert.equal(describeUdpBuffer({capped: false, grantedBytes: 8 * 1024 * 1024, requestedBytes: 8 * 1024 * 1024, rmemMaxBytes: 16 * 1024 * 1024}), 'UDP receive buffer 8 MiB')
    assert.equal(
      describeUdpBuffer({capped: true, grantedBytes: 212_992, requestedBytes: 8 * 1024 * 1024, rmemMaxBytes: 212_992}),
      'UDP receive buffer 208 KiB, less than the 8 MiB asked: net.core.rmem_max caps it, raise it with sysctl -w net.core.rmem_max=8388608',
    )
    assert.deepEqual([formatBytes(512), formatBytes(1536), formatBytes(3 * 1024 * 1024 / 2)], ['512 B', '2 KiB', '1.5 MiB'])
  })

  it('lists drops largest first, and durations in their two largest units', () => {
    assert.equal(dropList({a_reason: 0, b_reason: null}), 'none')
    assert.equal(dropList({session_overflow: 3, syslog_unknown_app: 12, udp_kernel_drops: 3}), '12 syslog_unknown_app, 3 session_overflow, 3 udp_kernel_drops')
    const table: Array<[number, string]> = [[0, '0s'], [9, '9s'], [250, '4m 10s'], [3605, '1h 0m'], [2 * 86_400 + 7200 + 5, '2d 2h']]
    for (const [seconds, text] of table) assert.equal(duration(seconds), text, String(seconds))
  })
})
