#!/usr/bin/env bash
# Speed and memory of `logsift logs` against baselines run side by side on the same machine and corpus.
#
#   bench/logs.sh [LINES]        (default 2,000,000 lines of scripts/gen-heroku-logs.mjs --seed 1, cached in bench/data/)
#
# Needs hyperfine and GNU time (apt-get install hyperfine time), jq and mawk; installs pino-pretty into
# bench/.tools (not a project dependency). Prints each comparison with the ratio logsift/baseline, and the
# commands, so the figures in bench/RESULTS.md can be reproduced.
set -euo pipefail
cd "$(dirname "$0")/.."

lines=${1:-2000000}
runs=${RUNS:-3}
data=bench/data
mkdir -p "$data" bench/out
# Named for the generator, so a corpus cached from another generator is not reused.
text=$data/gen-heroku-logs-$lines.log
ndjson=$data/gen-heroku-logs-$lines.ndjson
gen=scripts/gen-heroku-logs.mjs
[ -s "$text" ] || node "$gen" --lines "$lines" --seed 1 --out "$text"
[ -s "$ndjson" ] || node "$gen" --lines "$lines" --seed 1 --format ndjson --out "$ndjson"
[ -x bench/.tools/node_modules/.bin/pino-pretty ] || npm install --silent --prefix bench/.tools pino-pretty@13 >/dev/null

logsift="node bin/run.js"
pino_pretty=bench/.tools/node_modules/.bin/pino-pretty
out=bench/out
echo "corpus: $lines lines, $(du -h "$text" | cut -f1) text, $(du -h "$ndjson" | cut -f1) ndjson; node $(node --version); $(nproc) cores"

# Mean seconds of a command over $runs runs; output goes to a file (GNU grep and friends stop early on /dev/null).
mean() {
  hyperfine --style none --runs "$runs" --warmup 1 --export-json "$out/h.json" "$1" >/dev/null 2>&1
  node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).results[0].mean.toFixed(3))' "$out/h.json"
}

compare() { # name, logsift command, baseline name, baseline command, target ratio (baseline/logsift at least)
  local ours theirs
  ours=$(mean "$2")
  theirs=$(mean "$4")
  node -e '
    const [name, ours, base, theirs, target] = process.argv.slice(1)
    const speedup = theirs / ours
    console.log(`${name}: logsift ${ours} s, ${base} ${theirs} s -> ${speedup.toFixed(2)}x ${base} (target >= ${target}x) ${speedup >= target ? "MET" : "MISSED"}`)
  ' "$1" "$ours" "$3" "$theirs" "$5"
  echo "  logsift:  $2"
  echo "  baseline: $4"
}

compare "raw --where status>=500" \
  "$logsift logs $text -o raw --where 'status>=500' > $out/where.txt" \
  "mawk" \
  "LC_ALL=C mawk 'match(\$0, / status=[0-9]+/) && substr(\$0, RSTART + 8, RLENGTH - 8) + 0 >= 500' $text > $out/where-mawk.txt" \
  1.0
cmp -s "$out/where.txt" "$out/where-mawk.txt" && echo "  same selection: $(wc -l < "$out/where.txt") lines" || echo "  SELECTIONS DIFFER: logsift $(wc -l < "$out/where.txt"), mawk $(wc -l < "$out/where-mawk.txt") lines"

compare "json --level warn" \
  "$logsift logs $text -o json --level warn > $out/warn.json" \
  "jq" \
  "jq -c 'select(.level == \"warn\" or .level == \"error\" or .level == \"fatal\" or .level == \"crit\" or .level == \"alert\" or .level == \"emerg\")' $ndjson > $out/warn-jq.json" \
  3.0
echo "  selected: logsift $(wc -l < $out/warn.json) records, jq $(wc -l < $out/warn-jq.json) records"

compare "pretty --color always" \
  "$logsift logs $text --color always > $out/pretty.txt" \
  "pino-pretty" \
  "$pino_pretty -c < $ndjson > $out/pino.txt" \
  5.0

echo
echo "peak RSS (GNU time, max resident KB):"
for cmd in "logs $text -o raw --where status>=500" "logs $text --color always" "logs $text -o json -n 1000"; do
  # shellcheck disable=SC2086
  kb=$( { /usr/bin/time -f '%M' $logsift $cmd > /dev/null; } 2>&1 | tail -n 1)
  echo "  $((kb / 1024)) MB  logsift $cmd (target < 120 MB)"
done

echo
echo "start-up (target: within 2x and 3x of node -e 0, i.e. ratio >= 0.5 and >= 0.333):"
compare "start-up: logsift --version" "$logsift --version > $out/v.txt" "node -e 0" "node -e 0 > $out/n.txt" 0.5
compare "start-up: logs examples/heroku.log --level warn" "$logsift logs examples/heroku.log --level warn > $out/ex.txt" "node -e 0" "node -e 0 > $out/n.txt" 0.333
