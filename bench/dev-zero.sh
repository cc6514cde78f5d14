#!/usr/bin/env bash
# Peak memory of `logsift logs` on input that never ends a line (issue 8): /dev/zero for 15 s in every format
# (json and logfmt escape each NUL to 6 or 7 characters) and with each kind of filter, a gzip of 1 GiB of
# zeros, 300 MB of `a` with no newline, 300 MB of random bytes, and a file of one 60 MiB line. Every figure
# must stay under 150 MB; the output goes to a file, as a user's would.
#
#   bench/dev-zero.sh [SECONDS] [--max-line-size SIZE]     (default 15 s and the default size)
#
# Needs GNU time (installed with apt-get when missing). Prints one line per run: peak RSS (GNU time's %M), the
# bytes written, and the command.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-15}
shift || true
out=bench/out
data=bench/data
mkdir -p "$out" "$data"
[ -x /usr/bin/time ] || apt-get install -y time >/dev/null
zeros=$data/zeros-1g.gz
[ -s "$zeros" ] || head -c 1G /dev/zero | gzip > "$zeros"

echo "node $(node --version); $(nproc) cores; limit ${*:-default}"
run() { # label, then the logsift command's arguments
  local label=$1
  shift
  # timeout ends the endless reads; its status (124) is expected, so only the figures count.
  /usr/bin/time -f '%M' -o "$out/dev-zero.rss" timeout "$seconds" node bin/run.js "$@" <"${stdin:-/dev/null}" >"$out/dev-zero.out" 2>/dev/null || true
  local rss_kb bytes
  rss_kb=$(tail -1 "$out/dev-zero.rss")
  bytes=$(stat -c %s "$out/dev-zero.out")
  printf '%-34s peak RSS %4d MB  %6d MB written  logsift %s\n' "$label" $((rss_kb / 1024)) $((bytes / 1024 / 1024)) "$*"
}

run "/dev/zero -o raw, ${seconds}s" logs /dev/zero -o raw "$@"
run "/dev/zero pretty, ${seconds}s" logs /dev/zero "$@"
run "/dev/zero pretty coloured, ${seconds}s" logs /dev/zero --color always "$@"
run "/dev/zero -o json, ${seconds}s" logs /dev/zero -o json "$@"
run "/dev/zero -o logfmt, ${seconds}s" logs /dev/zero -o logfmt "$@"
run "/dev/zero -o json --redact, ${seconds}s" logs /dev/zero -o json --redact "$@"
run "/dev/zero -o raw --redact, ${seconds}s" logs /dev/zero -o raw --redact "$@"
run "/dev/zero --grep x, ${seconds}s" logs /dev/zero --grep x "$@"
run "/dev/zero -o json --exclude x, ${seconds}s" logs /dev/zero -o json --exclude x "$@"
run "/dev/zero --level warn, ${seconds}s" logs /dev/zero --level warn "$@"
run "/dev/zero -w status>=500, ${seconds}s" logs /dev/zero -w 'status>=500' "$@"
run "/dev/zero -o raw -n 3, ${seconds}s" logs /dev/zero -o raw -n 3 "$@"
run "gzip of 1 GiB of zeros -o raw" logs "$zeros" -o raw "$@"
run "gzip of 1 GiB of zeros, pretty" logs "$zeros" "$@"
run "gzip of 1 GiB of zeros -o json" logs "$zeros" -o json "$@"
run "gzip of 1 GiB of zeros -o logfmt" logs "$zeros" -o logfmt "$@"
letters=$data/a-300m.txt
[ -s "$letters" ] || head -c 300M /dev/zero | tr '\0' a > "$letters"
random=$data/random-300m.bin
[ -s "$random" ] || head -c 300M /dev/urandom > "$random"
for format in json logfmt; do
  stdin=$letters run "300 MB of a, no newline -o $format" logs -o "$format" "$@"
  stdin=$random run "300 MB of random bytes -o $format" logs -o "$format" "$@"
done
long=$data/one-60m-line.log
[ -s "$long" ] || { printf '2024-05-01T12:00:00.000000+00:00 app[web.1]: '; head -c 60M /dev/zero | tr '\0' x; printf ' NEEDLE\n'; } > "$long"
for args in "-o raw" "" "-o json" "-o logfmt" "-o json --redact" "-o json --grep NEEDLE$" "-o raw --exclude NEEDLE"; do
  # shellcheck disable=SC2086 # the arguments are meant to split
  run "one 60 MiB line ${args:-pretty}" logs "$long" $args "$@"
done
rm -f "$out/dev-zero.out" "$out/dev-zero.rss"
