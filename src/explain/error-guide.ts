/**
 * The longer explanation `logsift errors CODE` prints: what the code means, what usually causes it, what to
 * do. Titles and one-line causes live in `parse/error-codes.ts`; this adds the rest, from Heroku's error-code
 * documentation and what the lines around such an error usually show.
 */
export interface ErrorGuide {
  /** What happened, in a sentence or two. */
  readonly meaning: string
  readonly causes: readonly string[]
  readonly actions: readonly string[]
}

export const ERROR_GUIDES: ReadonlyMap<string, ErrorGuide> = new Map<string, ErrorGuide>([
  ['H10', {
    actions: ['read the lines before the first H10: the crash (stack trace, `State changed from up to crashed`) is there', 'check the Procfile\'s web command and that the process listens on $PORT', 'restart once fixed: heroku ps:restart web'],
    causes: ['the web process exits at boot (missing config var, failed migration, syntax error)', 'a boot timeout (R10) on every web dyno', 'the app crashed repeatedly and the dynos are waiting to be restarted'],
    meaning: 'The router had no running web dyno to send the request to, because the web dynos crashed or never booted. Clients get a 503.',
  }],
  ['H11', {
    actions: ['scale out: heroku ps:scale web=+N, or use bigger dynos', 'find slow endpoints (logsift logs:stats: top paths by p99) and make them faster', 'serve more requests per dyno (more Puma/Gunicorn workers or threads) if memory allows'],
    causes: ['a traffic spike', 'slow requests holding every connection', 'too little concurrency per dyno'],
    meaning: 'Requests arrived faster than the dynos answered them, and the router\'s backlog for the app passed its limit; new requests get a 503 until it drains.',
  }],
  ['H12', {
    actions: ['move long work to a worker dyno and a job queue; answer at once and let the client poll', 'set timeouts below 30 s on database queries and outside HTTP calls', 'use an in-app request timeout (rack-timeout, a server timeout) so the app gives up first and logs where it was', 'find the paths and dynos: logsift logs app.log -w code=H12, and how often: logsift logs:stats app.log'],
    causes: ['a slow database query or missing index', 'a call to an outside service that hangs', 'work (reports, uploads, image processing) done inside the request', 'a dyno too busy (or swapping, R14) to answer in time'],
    meaning: 'The app did not start answering within 30 seconds, so the router gave up and sent the client a 503. The request may still be running on the dyno.',
  }],
  ['H13', {
    actions: ['look for a crashed or killed worker process on that dyno at that time', 'make the app server\'s own timeout longer than the router\'s 30 s, or handle it gracefully'],
    causes: ['a worker process of the app server (Unicorn, Puma, Gunicorn) was killed mid-request, often by its own timeout', 'the process crashed while handling the request'],
    meaning: 'The dyno accepted the connection and then closed it without sending any response. Clients get a 503.',
  }],
  ['H14', {
    actions: ['heroku ps:scale web=1', 'check that the Procfile declares a `web` process'],
    causes: ['the web process type is scaled to 0', 'the app has no `web` process in its Procfile'],
    meaning: 'The router found no web dynos for the app, so it could not serve any request.',
  }],
  ['H15', {
    actions: ['for long responses (streams, long polling, SSE), send some bytes at least every 55 s'],
    causes: ['a streaming or long-polling response that goes quiet'],
    meaning: 'The response had started but the dyno sent nothing for 55 seconds, so the router closed the connection.',
  }],
  ['H16', {
    actions: ['nothing: Heroku no longer emits it; use the app\'s herokuapp.com domain'],
    causes: ['a request to an app\'s old heroku.com domain'],
    meaning: 'A redirect to the app\'s herokuapp.com domain. The code is retired.',
  }],
  ['H17', {
    actions: ['check the status line and headers the app writes, and the total size of the headers', 'look for a proxy or middleware that rewrites responses'],
    causes: ['a malformed status line or header', 'response headers too large', 'a hand-written HTTP response with a wrong Content-Length'],
    meaning: 'The dyno\'s response was not valid HTTP, so the router could not pass it on. Clients get a 503.',
  }],
  ['H18', {
    actions: ['read the whole request body before answering, even when rejecting it', 'look for crashes or killed processes at that time on that dyno'],
    causes: ['the app answered (or closed the socket) before reading the whole request body', 'the process died while sending the response'],
    meaning: 'The connection to the dyno was cut while the request or the response was still being sent. Clients get a 503.',
  }],
  ['H19', {
    actions: ['add dynos or concurrency', 'look for requests that block the process (CPU-heavy work, synchronous I/O)'],
    causes: ['the dyno is overloaded and does not accept new connections in time', 'all workers busy with slow requests'],
    meaning: 'The router could not open a connection to the dyno within 5 seconds. Clients get a 503.',
  }],
  ['H20', {
    actions: ['make the web process bind to $PORT early, and do slow set-up after', 'read the boot lines of the dyno for what it was doing'],
    causes: ['slow boot (loading large assets, migrations, connecting to services at start)', 'binding to a fixed port instead of $PORT'],
    meaning: 'The web process did not come up in time, and the requests queued for it while it booted were given up. Clients get a 503.',
  }],
  ['H21', {
    actions: ['check that the process listens on 0.0.0.0:$PORT', 'look for a crash or restart of that dyno at that time'],
    causes: ['the process is not listening on $PORT (yet, or any more)', 'the app server\'s accept queue is full'],
    meaning: 'The dyno refused the router\'s connection. Clients get a 503.',
  }],
  ['H22', {
    actions: ['add dynos, and make slow endpoints faster', 'check for clients that open many connections (retries, crawlers)'],
    causes: ['a traffic spike', 'slow responses holding connections open'],
    meaning: 'The app reached the router\'s limit of concurrent client connections; more are refused until some finish.',
  }],
  ['H23', {
    actions: ['check the proxy (PROXY protocol, websocket) settings of the app and anything in front of it'],
    causes: ['a proxy or endpoint set up for a protocol the request did not use, such as a websocket through a proxy without websocket support'],
    meaning: 'The router found the app\'s endpoint set up in a way it cannot serve the request with.',
  }],
  ['H24', {
    actions: ['make clients of long-lived connections (websockets, streams) reconnect'],
    causes: ['a router node was shut down or restarted while the connection was open'],
    meaning: 'The router closed a long-lived connection before it finished.',
  }],
  ['H25', {
    actions: ['check request and response sizes: headers, the request line, cookies', 'look for invalid characters in headers'],
    causes: ['headers or a request line too large to parse safely', 'a response judged unsafe to pass on'],
    meaning: 'The router blocked a request or response that broke one of its HTTP restrictions.',
  }],
  ['H26', {
    actions: ['look at the client that sent it (user agent, address in `fwd`)'],
    causes: ['a malformed request: an unsupported Expect header, a bad request line, a bad header'],
    meaning: 'The router could not process the request because it was not valid HTTP.',
  }],
  ['H27', {
    actions: ['usually none: clients navigate away or time out', 'if frequent on one path, that path is slower than clients wait for'],
    causes: ['the user closed the page or the client gave up', 'a client timeout shorter than the response time'],
    meaning: 'The client closed its connection before the app answered; the router logs status 499.',
  }],
  ['H28', {
    actions: ['usually none; if frequent, check the client or anything between it and Heroku'],
    causes: ['a client that opened a connection and sent no request'],
    meaning: 'The client sent no complete request for 55 seconds, so the router closed the connection.',
  }],
  ['H31', {
    actions: ['check DNS records and CDN origins for the hostname'],
    causes: ['stale DNS or a CDN pointing at the wrong endpoint'],
    meaning: 'The request reached a router endpoint that does not serve its hostname. Clients get a 421.',
  }],
  ['H32', {
    actions: ['check that the client sends the same name in SNI and the Host header'],
    causes: ['a client or proxy reusing a TLS connection for another hostname'],
    meaning: 'The TLS server name of the connection did not match the Host header of the request.',
  }],
  ['H80', {
    actions: ['heroku maintenance:off when the work is done'],
    causes: ['maintenance mode turned on (heroku maintenance:on)'],
    meaning: 'The app is in maintenance mode; the router served the maintenance page instead of the app.',
  }],
  ['H81', {
    actions: ['deploy the app (git push heroku main)'],
    causes: ['a new app with no code pushed yet'],
    meaning: 'The app has no release with code, so there is nothing to send the request to.',
  }],
  ['H82', {
    actions: ['add hours or upgrade the dynos; the pool resets at the start of the month'],
    causes: ['the account\'s free or eco dyno hours for the month are used up'],
    meaning: 'The dynos are asleep until the dyno-hour pool is refilled.',
  }],
  ['H83', {
    actions: ['check Heroku\'s status and changelog for the planned change'],
    causes: ['planned work by Heroku, such as retiring a feature'],
    meaning: 'The app is briefly unavailable on purpose while Heroku makes a planned change.',
  }],
  ['H99', {
    actions: ['check status.heroku.com; open a support ticket if it continues'],
    causes: ['a fault in Heroku\'s router'],
    meaning: 'An error inside Heroku\'s routing layer, not in the app.',
  }],
  ['R10', {
    actions: ['bind to $PORT as early as possible in boot', 'move slow set-up (migrations, warm-up) to a release phase or after binding'],
    causes: ['the process binds to a fixed port instead of $PORT', 'boot takes over 60 s'],
    meaning: 'The web process did not bind to $PORT within 60 seconds of starting, so Heroku stopped it; the dyno is restarted.',
  }],
  ['R12', {
    actions: ['handle SIGTERM: stop taking work, finish or hand back what is in flight, exit within 30 s'],
    causes: ['the process ignores SIGTERM', 'shutdown waits on long jobs or connections'],
    meaning: 'After SIGTERM (a restart, deploy or scale down) the process did not exit within 30 seconds and was killed with SIGKILL.',
  }],
  ['R13', {
    actions: ['run it again; check the local network and proxies between you and Heroku'],
    causes: ['a network problem between the client and the dyno'],
    meaning: 'A one-off dyno (heroku run) could not attach to the client\'s terminal.',
  }],
  ['R14', {
    actions: ['find the growth: logsift logs:stats app.log (peak memory per dyno from sample#memory_total)', 'run fewer workers per dyno (WEB_CONCURRENCY), or use a larger dyno', 'look for leaks: memory that only grows between restarts'],
    causes: ['too many app-server workers for the dyno size', 'a memory leak', 'loading large data sets into memory'],
    meaning: 'The dyno uses more memory than its quota and is swapping to disk. It keeps running, slowly; requests may time out (H12).',
  }],
  ['R15', {
    actions: ['as for R14, but urgent: reduce memory or use a larger dyno'],
    causes: ['runaway memory use: a leak or a huge allocation'],
    meaning: 'The dyno used far more memory than its quota, and Heroku killed it; it is restarted.',
  }],
  ['R16', {
    actions: ['nothing needed; the process keeps running detached and its output goes to the logs'],
    causes: ['the terminal of a `heroku run` session went away'],
    meaning: 'An attached one-off dyno lost its client and now runs detached.',
  }],
  ['R17', {
    actions: ['deploy again to build a fresh slug'],
    causes: ['a damaged slug'],
    meaning: 'The slug\'s checksum did not match when the dyno started.',
  }],
  ['R99', {
    actions: ['check status.heroku.com; open a support ticket if it continues'],
    causes: ['a fault in Heroku\'s runtime'],
    meaning: 'An error inside Heroku\'s runtime, not in the app.',
  }],
  ['L10', {
    actions: ['make the drain\'s receiver faster, or log less', 'the L10 line says how many messages were dropped'],
    causes: ['the drain endpoint is slow or down', 'a burst of logs larger than the drain\'s buffer'],
    meaning: 'A drain could not keep up: its buffer filled and the oldest messages were dropped. logsift\'s router writes this line too.',
  }],
  ['L11', {
    actions: ['filter the tail (logsift logs -a APP -t -d web), or use a drain for full volume'],
    causes: ['a tail session reading slower than the app logs', 'a slow network to the client'],
    meaning: 'A live tail could not keep up and messages were dropped from it; the log itself is complete. logsift\'s router writes this line too.',
  }],
  ['L12', {
    actions: ['log less, or in fewer, longer lines'],
    causes: ['the app writes logs faster than they can be sent to Logplex'],
    meaning: 'Log lines were dropped on the dyno before they reached Logplex.',
  }],
  ['L13', {
    actions: ['usually transient; check status.heroku.com if it continues'],
    causes: ['a network problem between the dyno and Logplex'],
    meaning: 'The dyno\'s log delivery could not hand some lines to Logplex.',
  }],
  ['L14', {
    actions: ['give the drain\'s endpoint a valid certificate for its hostname, from a trusted CA'],
    causes: ['an expired, self-signed or mismatched certificate on a syslog+tls drain'],
    meaning: 'Logplex could not verify the TLS certificate of a drain, so it did not deliver to it.',
  }],
  ['L15', {
    actions: ['run the tail again'],
    causes: ['a brief problem with the buffer that holds recent lines'],
    meaning: 'The buffer of recent lines for tails was briefly unavailable; some lines may be missing from the tail.',
  }],
])
