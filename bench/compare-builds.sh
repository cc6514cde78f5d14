#!/usr/bin/env bash
# "Nothing may get slower": the `logs` commands of bench/logs.sh timed with this checkout and with another build
# of logsift (an older commit), side by side in one run on the same corpus.
#
#   git worktree add /tmp/logsift-base <commit> && (cd /tmp/logsift-base && npm ci)
#   bench/compare-builds.sh /tmp/logsift-base [LINES]
#
# Prints, per command, the mean wall and CPU time of each build and the ratios base/this (above 1: this checkout is
# faster).
set -euo pipefail
cd "$(dirname "$0")/.."

base=${1:?usage: bench/compare-builds.sh BASE_CHECKOUT [LINES]}
lines=${2:-2000000}
runs=${RUNS:-5}
data=bench/data
out=bench/out
mkdir -p "$data" "$out"
text=$data/gen-heroku-logs-$lines.log
[ -s "$text" ] || node scripts/gen-heroku-logs.mjs --lines "$lines" --seed 1 --out "$text"
[ -f "$base/bin/run.js" ] || { echo "no logsift build at $base (bin/run.js missing)" >&2; exit 2; }
echo "corpus: $lines lines ($(du -h "$text" | cut -f1)); base $base ($(git -C "$base" rev-parse --short HEAD 2>/dev/null || echo '?')); this $(git rev-parse --short HEAD); node $(node --version); $(nproc) cores"

compare() { # label, logsift arguments (after `logs`)
  local label=$1 args=$2
  hyperfine --style none --runs "$runs" --warmup 1 --export-json "$out/builds.json" \
    "node $base/bin/run.js logs $args > $out/base.txt" "node bin/run.js logs $args > $out/this.txt" >/dev/null 2>&1
  # CPU time (user + system) beside wall time: on a loaded machine it is the steadier of the two.
  node -e '
    const r = require(process.argv[1]).results
    const wall = r.map((x) => x.mean)
    const cpu = r.map((x) => x.user + x.system)
    console.log(`${process.argv[2].padEnd(34)} base ${wall[0].toFixed(3)} s  this ${wall[1].toFixed(3)} s  ratio ${(wall[0] / wall[1]).toFixed(2)}x` +
      `  (cpu ${cpu[0].toFixed(2)} / ${cpu[1].toFixed(2)} s, ${(cpu[0] / cpu[1]).toFixed(2)}x)`)
  ' "$PWD/$out/builds.json" "$label"
  cmp -s "$out/base.txt" "$out/this.txt" || echo "  (outputs differ: base $(wc -l < "$out/base.txt") lines, this $(wc -l < "$out/this.txt"))"
}

compare "-o raw --where status>=500" "$text -o raw --where 'status>=500'"
compare "-o json --level warn" "$text -o json --level warn"
compare "--color always (pretty)" "$text --color always"
compare "examples/heroku.log --level warn" "examples/heroku.log --level warn"

echo "peak RSS (GNU time, MB): base / this"
for args in "$text -o raw --where status>=500" "$text --color always" "$text -o json -n 1000"; do
  # shellcheck disable=SC2086
  b=$( { /usr/bin/time -f '%M' node "$base/bin/run.js" logs $args > /dev/null; } 2>&1 | tail -n 1)
  # shellcheck disable=SC2086
  t=$( { /usr/bin/time -f '%M' node bin/run.js logs $args > /dev/null; } 2>&1 | tail -n 1)
  echo "  $((b / 1024)) / $((t / 1024))  logs $args"
done
