#!/usr/bin/env bash
# Installs the real peers the tests start, when they are missing: rsyslog, python3 and util-linux's logger
# (Debian; syslog senders) and the official Heroku CLI
# (npm, into a cache folder, never a project dependency). Run by `npm test` (pretest) and by .ci/run, so both
# work on a fresh machine. Prints one line per peer it could not install; the test that needs it then fails
# with the same command in its message.
set -u
heroku_prefix="${HOME}/.cache/logsift-heroku-cli"

# rsyslog-gnutls is rsyslog's TLS driver (the syslog+tls drain tests); openssl makes their CA and certificates.
gtls=$(ls /usr/lib/*/rsyslog/lmnsd_gtls.so /usr/lib/rsyslog/lmnsd_gtls.so 2>/dev/null | head -n 1)
if [ ! -x /usr/sbin/rsyslogd ] || [ -z "$gtls" ] || ! command -v openssl >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        rsyslog rsyslog-gnutls openssl; } >/dev/null 2>&1 || echo "test-peers: could not install rsyslog, rsyslog-gnutls and openssl with apt-get"
  else
    echo "test-peers: rsyslog, rsyslog-gnutls or openssl is missing; install them: sudo apt-get install rsyslog rsyslog-gnutls openssl"
  fi
fi

# Syslog senders as applications use them: Python's logging.handlers.SysLogHandler and util-linux's logger.
if ! command -v python3 >/dev/null || ! command -v logger >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        python3 bsdutils; } >/dev/null 2>&1 || echo "test-peers: could not install python3 and bsdutils (logger) with apt-get"
  else
    echo "test-peers: python3 or logger is missing; install them: sudo apt-get install python3 bsdutils"
  fi
fi

if [ ! -f "$heroku_prefix/node_modules/heroku/bin/run.js" ]; then
  npm install --silent --no-audit --no-fund --prefix "$heroku_prefix" heroku@11 >/dev/null 2>&1 \
    || echo "test-peers: could not install heroku@11 into $heroku_prefix"
fi
exit 0
