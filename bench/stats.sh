#!/usr/bin/env bash
# Speed and memory of `logsift logs:stats` (issue 5) against `logs -o raw` and lnav, side by side on the
# same machine and corpus.
#
#   bench/stats.sh [LINES]        (default 2,000,000 lines of scripts/gen-heroku-logs.mjs --seed 1, cached in bench/data/)
#
# Needs hyperfine and GNU time (apt-get install hyperfine time); installs lnav with apt-get when missing.
# Prints each comparison with its ratio and the commands, so the figures in bench/RESULTS.md can be
# reproduced. RUNS=N sets hyperfine's runs (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."

lines=${1:-2000000}
runs=${RUNS:-5}
data=bench/data
out=bench/out
mkdir -p "$data" "$out"
# Named for the generator, so a corpus cached from another generator is not reused.
corpus=$data/gen-heroku-logs-$lines.log
[ -s "$corpus" ] || node scripts/gen-heroku-logs.mjs --lines "$lines" --seed 1 --out "$corpus"
command -v lnav >/dev/null || apt-get install -y lnav >/dev/null
# lnav keeps its configuration and index under HOME; a scratch one keeps runs alike and the user's untouched.
lnav_home=$(mktemp -d)
trap 'rm -rf "$lnav_home"' EXIT

logsift="node bin/run.js"
echo "corpus: $lines lines, $(du -h "$corpus" | cut -f1); node $(node --version); $(lnav -V); $(nproc) cores"

# Mean seconds of a command over $runs runs; output goes to a file, never /dev/null.
mean() {
  hyperfine --style none --runs "$runs" --warmup 1 --export-json "$out/h.json" "$1" >/dev/null 2>&1
  node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).results[0].mean.toFixed(3))' "$out/h.json"
}

stats_cmd="$logsift logs:stats $corpus > $out/stats.txt"
raw_cmd="$logsift logs $corpus -o raw > $out/raw.log"
json_cmd="$logsift logs:stats $corpus --json > $out/stats.json"
router_cmd="$logsift logs:stats $corpus -d router --json > $out/stats-router.json"
lnav_sql=";SELECT substr(regexp_match(' status=(\\d+)', log_body), 1, 1) || 'xx' AS class, count(*) AS n FROM syslog_log WHERE log_procname = 'heroku[router]' GROUP BY class ORDER BY class"
lnav_cmd="HOME=$lnav_home lnav -n -c \"$lnav_sql\" $corpus > $out/lnav.txt"

# The two pairs are interleaved (raw, stats, raw, stats...) so that load from elsewhere hits both alike.
stats=$(mean "$stats_cmd")
raw=$(mean "$raw_cmd")
stats2=$(mean "$stats_cmd")
raw2=$(mean "$raw_cmd")
node -e '
  const [stats, raw, stats2, raw2] = process.argv.slice(1).map(Number)
  const ratio = (stats + stats2) / (raw + raw2)
  console.log(`logs:stats ${((stats + stats2) / 2).toFixed(3)} s, logs -o raw ${((raw + raw2) / 2).toFixed(3)} s -> ${ratio.toFixed(2)}x the time of raw (target <= 1.5x) ${ratio <= 1.5 ? "MET" : "MISSED"}`)
' "$stats" "$raw" "$stats2" "$raw2"
echo "  logsift:  $stats_cmd"
echo "  baseline: $raw_cmd"

# lnav counts status classes and nothing else; logs:stats is timed twice: the full summary, and the summary
# of router lines only (-d router), closer to the same work.
ours=$(mean "$json_cmd")
router=$(mean "$router_cmd")
theirs=$(mean "$lnav_cmd")
node -e '
  const [ours, router, theirs] = process.argv.slice(1).map(Number)
  for (const [what, time] of [["logs:stats --json", ours], ["logs:stats -d router --json", router]]) {
    const speedup = theirs / time
    console.log(`status classes: ${what} ${time.toFixed(3)} s, lnav ${theirs.toFixed(3)} s -> ${speedup.toFixed(2)}x lnav (target >= 3x) ${speedup >= 3 ? "MET" : "MISSED"}`)
  }
' "$ours" "$router" "$theirs"
echo "  logsift:  $json_cmd"
echo "  logsift:  $router_cmd"
echo "  baseline: $lnav_cmd"
node -e '
  const fs = require("fs")
  const theirs = {}
  for (const line of fs.readFileSync(process.argv[1], "utf8").trim().split("\n").slice(1)) {
    const [cls, n] = line.trim().split(/\s+/)
    // <NULL>: pre-2013 router lines, which carry no status; logs:stats puts them in no status class either.
    if (cls !== "<NULL>") theirs[cls] = Number(n)
  }
  for (const file of process.argv.slice(2)) {
    const ours = JSON.parse(fs.readFileSync(file)).router.statusClasses
    const same = Object.entries(theirs).every(([cls, n]) => ours[cls] === n)
    console.log(`  ${same ? "same counts" : "COUNTS DIFFER"}: ${file} ${JSON.stringify(ours)}, lnav ${JSON.stringify(theirs)}`)
  }
' "$out/lnav.txt" "$out/stats.json" "$out/stats-router.json"

echo
echo "peak RSS (GNU time, max resident KB):"
for args in "logs:stats $corpus" "logs:stats $corpus --by fields.request_id --value service" "logs $corpus -o raw"; do
  # shellcheck disable=SC2086
  kb=$( { /usr/bin/time -f '%M' $logsift $args > "$out/rss.txt"; } 2>&1 | tail -n 1)
  echo "  $((kb / 1024)) MB  logsift $args"
done
