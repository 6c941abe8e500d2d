#!/usr/bin/env bash
# The forum benchmark: seeds a synthetic community of SCALE users (about ten
# posts each) into a fresh database, starts the release binary, and drives
# the forum's pages with wrk: a thread page with 50 posts, a category's
# first page and its thousandth page (reached through the cursors), and a
# search, each as a ratio to /healthz measured in the same run, plus the
# search's latency without queueing.
#
#   bench/forum.sh 100000 sqlite
#   bench/forum.sh 100000 postgres      # needs PostgreSQL on 127.0.0.1:5432
#
# Environment: DURATION (seconds per page, default 10), CONNS (default 32),
# PG_URL (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${1:-100000}"
BACKEND="${2:-sqlite}"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-32}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18083}"

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet --bin klearn
BIN=target/release/klearn

. bench/lib.sh
bench_database klearn_forum
bench_seed
bench_serve

# The seeded thread with 60 posts (its first page holds 50), found by its title.
THREAD="$(curl -fs "$BASE/forum?q=benchmark+thread+fifty" | grep -o 'href="/t/[0-9]*/[a-z0-9-]*"' | head -n1 | sed 's/href="//;s/"//')"
# The thousandth page of the largest category (or its last, below 1,000
# pages: the seed makes a thread per ten members, about 150 pages of
# General at 100,000), through the cursors as a reader would go.
echo "== following up to 999 cursors in /forum/general"
NEXT="/forum/general"
DEEP="$NEXT"
DEPTH=1
for _ in $(seq 1 999); do
  NEXT="$(curl -fs "$BASE$NEXT" | { grep -o 'href="/forum/general?before=[^"]*" rel="next"' || true; } | head -n1 | sed 's/href="//;s/" rel="next"//')"
  [ -n "$NEXT" ] || break
  DEEP="$NEXT"
  DEPTH=$((DEPTH + 1))
done

PAGES=(
  "healthz|/healthz"
  "thread, 50 posts|$THREAD"
  "category page 1|/forum/general"
  "category page $DEPTH|$DEEP"
  "forum front page|/forum"
  "search 并发|/forum?q=%E5%B9%B6%E5%8F%91"
  "search goroutine|/forum?q=goroutine"
)

echo "== wrk: ${DURATION}s per page, 2 threads, $CONNS connections, $(nproc) cores shared with the server"
printf '%-22s %10s %9s %9s %9s %8s %7s\n' "page" "req/s" "p50 ms" "p95 ms" "p99 ms" "vs /hz" "non2xx"
HEALTHZ=""
for entry in "${PAGES[@]}"; do
  name="${entry%%|*}"
  path="${entry#*|}"
  line="$(wrk -t2 -c"$CONNS" -d"${DURATION}s" -s bench/report.lua "$BASE$path" | grep '^RESULT')"
  read -r _ rps p50 p95 p99 bad _ <<<"$line"
  [ -z "$HEALTHZ" ] && HEALTHZ="$rps"
  ratio="$(awk -v a="$rps" -v b="$HEALTHZ" 'BEGIN { printf "%.3f", a / b }')"
  printf '%-22s %10s %9s %9s %9s %8s %7s\n' "$name" "$rps" "$p50" "$p95" "$p99" "$ratio" "$bad"
done

echo "== latency at 2 connections (no queueing): searches and the category pages"
printf '%-22s %10s %9s %9s %9s\n' "page" "req/s" "p50 ms" "p95 ms" "p99 ms"
for entry in "${PAGES[@]:2:2}" "${PAGES[@]:5:2}"; do
  name="${entry%%|*}"
  path="${entry#*|}"
  line="$(wrk -t2 -c2 -d"${DURATION}s" -s bench/report.lua "$BASE$path" | grep '^RESULT')"
  read -r _ rps p50 p95 p99 _ _ <<<"$line"
  printf '%-22s %10s %9s %9s %9s\n' "$name" "$rps" "$p50" "$p95" "$p99"
done

if [ "$BACKEND" = postgres ]; then
  kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
fi
