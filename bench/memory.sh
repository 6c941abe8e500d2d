#!/usr/bin/env bash
# Memory under load: seeds SCALE users, starts the release server, drives a
# mix of storefront pages with wrk for MINUTES minutes and samples the
# server's resident set size every SAMPLE seconds; prints the samples and
# the peak. Two requests in three are a guest's, one a signed-in learner's
# (LEARNER, signed in through the login form); the catalogue pages asked for
# are drawn from its first 400, so the page cache fills and evicts.
#
#   bench/memory.sh 100000 sqlite
#
# Environment: MINUTES (default 10), SAMPLE (seconds, default 30), CONNS
# (default 32), PG_URL (default postgres://postgres@127.0.0.1:5432),
# LEARNER (default u0000001), KLEARN_BIN (a binary to measure instead of
# building this checkout's), SEEDED_URL (a database seeded beforehand).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${1:-100000}"
BACKEND="${2:-sqlite}"
MINUTES="${MINUTES:-10}"
SAMPLE="${SAMPLE:-30}"
CONNS="${CONNS:-32}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18083}"
LEARNER="${LEARNER:-u0000001}"
PASSWORD="scale-password-2026" # src/demo/scale.rs, SCALE_PASSWORD

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
if [ -n "${KLEARN_BIN:-}" ]; then
  BIN="$KLEARN_BIN"
else
  cargo build --release --quiet --bin klearn
  BIN=target/release/klearn
fi

. bench/lib.sh
bench_database klearn_memory
bench_seed
bench_serve
SLUG="$(curl -fs "$BASE/courses" | grep -o 'href="/courses/scale-[0-9]*"' | head -n1 | sed 's/href="\/courses\///;s/"//')"

bench_sign_in

bench_mix "$SLUG"

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
