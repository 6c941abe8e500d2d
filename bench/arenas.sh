#!/usr/bin/env bash
# Where the memory goes, in one run on one database: the server with glibc's
# default arenas (MALLOC_ARENA_MAX=16 on 2 cores), with two arenas, and with
# nothing kept between requests (KLEARN_PAGE_CACHE_MB=0), each under the
# same mix as bench/memory.sh (guests and a signed-in learner) for MINUTES
# minutes: requests/s, p99 and the peak resident set.
#
#   bench/arenas.sh 100000 sqlite
#
# Environment: as bench/memory.sh (KLEARN_BIN, SEEDED_URL, LEARNER, CONNS).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${1:-100000}"
BACKEND="${2:-sqlite}"
MINUTES="${MINUTES:-2}"
CONNS="${CONNS:-32}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18084}"
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
bench_database klearn_arenas
bench_seed

measure() { # name, then the environment for the server
  local name="$1"; shift
  env "$@" "$BIN" serve --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  BASE="http://127.0.0.1:$PORT"
  local slug peak=0 kb out
  slug="$(curl -fs "$BASE/courses" | grep -o 'href="/courses/scale-[0-9]*"' | head -n1 | sed 's/href="\/courses\///;s/"//')"
  bench_sign_in
  bench_mix "$slug"
  wrk -t2 -c"$CONNS" -d"$(( MINUTES * 60 ))s" --latency -s "$WORK/mix.lua" "$BASE" >"$WORK/wrk.txt" &
  local load=$!
  while kill -0 "$load" 2>/dev/null; do
    kb="$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")"
    [ "$kb" -gt "$peak" ] && peak="$kb"
    sleep 5
  done
  out="$(cat "$WORK/wrk.txt")"
  printf '| %s | %s | %s | %s |\n' "$name" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="99%" {print $2}' <<<"$out")" "$(( peak / 1024 ))"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
}

echo
echo "| server | req/s | p99 | peak RSS (MB) |"
echo "|---|---|---|---|"
measure "glibc's default arenas" MALLOC_ARENA_MAX=16
measure "two arenas" MALLOC_ARENA_MAX=2
measure "nothing kept (KLEARN_PAGE_CACHE_MB=0)" MALLOC_ARENA_MAX=16 KLEARN_PAGE_CACHE_MB=0
