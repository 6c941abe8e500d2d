#!/usr/bin/env bash
# Memory under load: seeds SCALE users, starts the release server, drives a
# mix of guest pages with wrk for MINUTES minutes and samples the server's
# resident set size every SAMPLE seconds; prints the samples and the peak.
#
#   bench/memory.sh 100000 sqlite
#
# Environment: MINUTES (default 10), SAMPLE (seconds, default 30), CONNS
# (default 32), PG_URL (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${1:-100000}"
BACKEND="${2:-sqlite}"
MINUTES="${MINUTES:-10}"
SAMPLE="${SAMPLE:-30}"
CONNS="${CONNS:-32}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18083}"

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
BIN=target/release/klearn

. bench/lib.sh
bench_database klearn_memory
bench_seed
bench_serve
SLUG="$(curl -fs "$BASE/courses" | grep -o 'href="/courses/scale-[0-9]*"' | head -n1 | sed 's/href="\/courses\///;s/"//')"

# The mix: every request picks one of these pages (wrk's Lua, one line).
cat >"$WORK/mix.lua" <<LUA
local paths = {"/", "/courses", "/courses?page=37", "/courses?q=rust", "/courses/$SLUG",
  "/courses?level=intermediate&sort=rating", "/experts", "/forum", "/forum/general"}
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
LUA

rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
echo "   idle after start-up: $(( $(rss) / 1024 )) MB"
wrk -t2 -c"$CONNS" -d"$(( MINUTES * 60 ))s" -s "$WORK/mix.lua" "$BASE" >"$WORK/wrk.txt" &
LOAD=$!
PEAK=0
for i in $(seq 1 $(( MINUTES * 60 / SAMPLE ))); do
  sleep "$SAMPLE"
  KB="$(rss)"
  [ "$KB" -gt "$PEAK" ] && PEAK="$KB"
  echo "   $(( i * SAMPLE ))s: $(( KB / 1024 )) MB"
done
wait "$LOAD"
grep -E "Requests/sec|requests in" "$WORK/wrk.txt" | sed 's/^/   /'
echo "   peak: $(( PEAK / 1024 )) MB"
