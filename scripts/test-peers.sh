#!/usr/bin/env bash
# Installs the real peers the tests start, when they are missing: rsyslog (Debian) and the official Heroku CLI
# (npm, into a cache folder, never a project dependency). Run by `npm test` (pretest) and by .ci/run, so both
# work on a fresh machine. Prints one line per peer it could not install; the test that needs it then fails
# with the same command in its message.
set -u
heroku_prefix="${HOME}/.cache/logsift-heroku-cli"

if [ ! -x /usr/sbin/rsyslogd ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        rsyslog rsyslog-gnutls; } >/dev/null 2>&1 || echo "test-peers: could not install rsyslog with apt-get"
  else
    echo "test-peers: rsyslog is missing; install it: sudo apt-get install rsyslog rsyslog-gnutls"
  fi
fi

if [ ! -f "$heroku_prefix/node_modules/heroku/bin/run.js" ]; then
  npm install --silent --no-audit --no-fund --prefix "$heroku_prefix" heroku@11 >/dev/null 2>&1 \
    || echo "test-peers: could not install heroku@11 into $heroku_prefix"
fi
exit 0
