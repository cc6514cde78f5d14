#!/usr/bin/env bash
# Issue 12's table: `logs` on one thread (--threads 1) against the default (the cores available) and the
# baselines, on the same corpus in one run, with peak RSS.
#
#   bench/threads.sh [LINES]     (default 2,000,000 lines of scripts/gen-heroku-logs.mjs --seed 1, cached in bench/data/)
#
# Needs hyperfine, GNU time, mawk, jq and lnav. pino-pretty is left out (bench/logs.sh installs it into
# bench/.tools); the pretty row compares one thread with the default only.
set -euo pipefail
cd "$(dirname "$0")/.."

lines=${1:-2000000}
runs=${RUNS:-3}
data=bench/data
out=bench/out
mkdir -p "$data" "$out"
text=$data/gen-heroku-logs-$lines.log
ndjson=$data/gen-heroku-logs-$lines.ndjson
gen=scripts/gen-heroku-logs.mjs
[ -s "$text" ] || node "$gen" --lines "$lines" --seed 1 --out "$text"
[ -s "$ndjson" ] || node "$gen" --lines "$lines" --seed 1 --format ndjson --out "$ndjson"
logsift="node bin/run.js"
echo "corpus: $lines lines, $(du -h "$text" | cut -f1) text; node $(node --version); $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"

# Mean seconds of a command over $runs runs.
mean() {
  hyperfine --style none --runs "$runs" --warmup 1 --export-json "$out/h.json" "$1" >/dev/null 2>&1
  node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).results[0].mean.toFixed(3))' "$out/h.json"
}

# Peak resident set in MB (GNU time).
peak() {
  local kb
  kb=$( { /usr/bin/time -f '%M' bash -c "$1" > /dev/null; } 2>&1 | tail -n 1)
  echo $((kb / 1024))
}

row() { # name, logsift args (output to $out/NAME), baseline name, baseline command or '', target ratio
  local name=$1 args=$2 base=$3 base_cmd=$4 target=$5 one many theirs
  one=$(mean "$logsift $args --threads 1 > $out/$name-1.txt")
  many=$(mean "$logsift $args > $out/$name-n.txt")
  cmp -s "$out/$name-1.txt" "$out/$name-n.txt" && same=identical || same=DIFFERENT
  if [ -n "$base_cmd" ]; then theirs=$(mean "$base_cmd"); else theirs=; fi
  node -e '
    const [name, one, many, base, theirs, target, same, rss1, rssn] = process.argv.slice(1)
    const ratio = (t) => theirs ? `${(theirs / t).toFixed(2)}x ${base} (${theirs} s)` : "-"
    console.log(`${name}: --threads 1 ${one} s [${rss1} MB] -> ${ratio(one)}; default ${many} s [${rssn} MB] -> ${ratio(many)}; goal >= ${target}x; outputs ${same}`)
  ' "$name" "$one" "$many" "$base" "$theirs" "$target" "$same" "$(peak "$logsift $args --threads 1")" "$(peak "$logsift $args")"
  echo "  logsift:  $logsift $args [--threads 1]"
  [ -z "$base_cmd" ] || echo "  baseline: $base_cmd"
}

row where "logs $text -o raw --where 'status>=500'" mawk \
  "LC_ALL=C mawk 'match(\$0, / status=[0-9]+/) && substr(\$0, RSTART + 8, RLENGTH - 8) + 0 >= 500' $text > $out/where-mawk.txt" 1.5
row warn "logs $text -o json --level warn" jq \
  "jq -c 'select(.level == \"warn\" or .level == \"error\" or .level == \"fatal\" or .level == \"crit\" or .level == \"alert\" or .level == \"emerg\")' $ndjson > $out/warn-jq.json" 6
row pretty "logs $text --color always" '' '' 10

echo
echo "logs:stats --json, --threads 1 and 2, vs lnav's status-class count:"
stats1=$(mean "$logsift logs:stats $text --json --threads 1 > $out/stats-1.json")
stats2=$(mean "$logsift logs:stats $text --json --threads 2 > $out/stats-2.json")
cmp -s "$out/stats-1.json" "$out/stats-2.json" && same=identical || same=DIFFERENT
# As bench/stats.sh asks lnav, with a scratch HOME.
lnav_home=$(mktemp -d)
trap 'rm -rf "$lnav_home"' EXIT
lnav_sql=";SELECT substr(regexp_match(' status=(\\d+)', log_body), 1, 1) || 'xx' AS class, count(*) AS n FROM syslog_log WHERE log_procname = 'heroku[router]' GROUP BY class ORDER BY class"
lnav=$(mean "HOME=$lnav_home lnav -n -c \"$lnav_sql\" $text > $out/lnav.txt")
ratio() { node -e 'console.log((process.argv[2] / process.argv[1]).toFixed(2))' "$1" "$lnav"; }
echo "  --threads 1 ${stats1} s [$(peak "$logsift logs:stats $text --json --threads 1") MB] -> $(ratio "$stats1")x; --threads 2 ${stats2} s [$(peak "$logsift logs:stats $text --json --threads 2") MB] -> $(ratio "$stats2")x; lnav ${lnav} s (goal >= 3x); JSON ${same}"

echo
echo "start-up on a small file (always one thread):"
small=$(mean "$logsift logs examples/heroku.log --level warn > $out/ex.txt")
bare=$(mean "node -e 0")
echo "  logs examples/heroku.log --level warn ${small} s, node -e 0 ${bare} s -> $(node -e 'console.log((process.argv[1] / process.argv[2]).toFixed(2))' "$small" "$bare")x the time (goal <= 2.5x)"
