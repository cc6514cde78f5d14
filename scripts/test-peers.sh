#!/usr/bin/env bash
# Installs the real peers the tests start, when they are missing: rsyslog, python3, util-linux's logger and
# syslog-ng (Debian; syslog senders), nats-server, Chromium, the official Heroku CLI and the OpenTelemetry JS SDK
# (npm, into a cache folder, never a project dependency). Run by `npm test` (pretest) and by .ci/run, so both
# work on a fresh machine. Prints one line per peer it could not install; the test that needs it then fails
# with the same command in its message.
set -u
heroku_prefix="${HOME}/.cache/logsift-heroku-cli"
syslog_ng_dir="${HOME}/.cache/logsift-syslog-ng"

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

# syslog-ng as a sender. Its package conflicts with rsyslog's, so it is unpacked into a cache folder; its
# libraries come from apt as usual.
if [ ! -x "$syslog_ng_dir/usr/sbin/syslog-ng" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    download=$(mktemp -d)
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        libcap2 libglib2.0-0 libivykis0 libjson-c5 libnet1 libpcre3 libwrap0 \
        && (cd "$download" && apt-get download syslog-ng-core) && dpkg -x "$download"/syslog-ng-core_*.deb "$syslog_ng_dir"; } \
      >/dev/null 2>&1 || echo "test-peers: could not unpack syslog-ng-core into $syslog_ng_dir"
    rm -rf "$download"
  else
    echo "test-peers: syslog-ng is missing; as root: apt-get download syslog-ng-core && dpkg -x syslog-ng-core_*.deb $syslog_ng_dir"
  fi
fi

# nats-server (the JetStream engine's conformance suite and the cluster tests) and Chromium (the router's web
# page, driven by playwright-core in the browser tests).
if ! command -v nats-server >/dev/null || ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        nats-server chromium; } >/dev/null 2>&1 || echo "test-peers: could not install nats-server and chromium with apt-get"
  else
    echo "test-peers: nats-server or chromium is missing; install them: sudo apt-get install nats-server chromium"
  fi
fi

if [ ! -f "$heroku_prefix/node_modules/heroku/bin/run.js" ]; then
  npm install --silent --no-audit --no-fund --prefix "$heroku_prefix" heroku@11 >/dev/null 2>&1 \
    || echo "test-peers: could not install heroku@11 into $heroku_prefix"
fi
otel_prefix="${HOME}/.cache/logsift-otel"
# The OpenTelemetry JS SDK as an OTLP sender (the 0.208 line runs on Node 20); never a project dependency.
if [ ! -d "$otel_prefix/node_modules/@opentelemetry/sdk-logs" ]; then
  npm install --silent --no-audit --no-fund --prefix "$otel_prefix" @opentelemetry/sdk-logs@0.208 \
      @opentelemetry/exporter-logs-otlp-proto@0.208 @opentelemetry/exporter-logs-otlp-http@0.208 \
      @opentelemetry/api-logs@0.208 @opentelemetry/resources@2 >/dev/null 2>&1 \
    || echo "test-peers: could not install the OpenTelemetry JS SDK into $otel_prefix"
fi
# The UDP burst test asks for a 32 MiB receive buffer, as an operator expecting bursts would; the kernel caps
# what a process gets at net.core.rmem_max (often 208 KiB). Raised here when it can be, as `logsift serve`
# advises at start when it is capped.
udp_cap=67108864
if [ "$(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo "$udp_cap")" -lt "$udp_cap" ]; then
  if [ "$(id -u)" = 0 ] && echo "$udp_cap" > /proc/sys/net/core/rmem_max 2>/dev/null; then :; else
    echo "test-peers: net.core.rmem_max is below 64 MiB; raise it for the UDP burst test: sudo sysctl -w net.core.rmem_max=$udp_cap"
  fi
fi
exit 0
