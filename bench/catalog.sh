#!/usr/bin/env bash
# The storefront benchmark: seeds a synthetic community of SCALE users into a
# fresh database, starts the release binary, and drives the catalogue's and
# the expert directory's pages
# with wrk, printing requests/s, p50/p95/p99 and each page's throughput as a
# ratio to /healthz measured in the same run.
#
#   bench/catalog.sh 10000 sqlite
#   bench/catalog.sh 100000 postgres      # needs PostgreSQL on 127.0.0.1:5432
#
# Environment: DURATION (seconds per page, default 10), CONNS (default 32),
# PG_URL (default postgres://postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${1:-10000}"
BACKEND="${2:-sqlite}"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-32}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18080}"

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
BIN=target/release/klearn

. bench/lib.sh
bench_database klearn_bench
bench_seed
bench_serve
SLUG="$(curl -fs "$BASE/courses" | grep -o 'href="/courses/scale-[0-9]*"' | head -n1 | sed 's/href="\/courses\///;s/"//')"
EXPERT="$(curl -fs "$BASE/experts" | grep -o 'href="/experts/[a-z0-9_]*"' | grep -v '/apply"' | head -n1 | sed 's/href="\/experts\///;s/"//')"

PAGES=(
  "healthz|/healthz"
  "catalogue page 1|/courses"
  "filtered, by rating|/courses?level=intermediate&price=paid&sort=rating"
  "catalogue page 200|/courses?page=200"
  "course landing page|/courses/$SLUG"
  "search 并发|/courses?q=%E5%B9%B6%E5%8F%91"
  "search 机器学习|/courses?q=%E6%9C%BA%E5%99%A8%E5%AD%A6%E4%B9%A0"
  "search rust async|/courses?q=rust+async"
  "experts by rating|/experts"
  "experts, topic, p2|/experts?topic=rust&sort=learners&page=2"
  "expert profile|/experts/$EXPERT"
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

# Latency without queueing: the same searches with one connection per wrk thread.
echo "== latency at 2 connections (no queueing): searches and page 1"
printf '%-22s %10s %9s %9s %9s\n' "page" "req/s" "p50 ms" "p95 ms" "p99 ms"
for entry in "${PAGES[@]:1:1}" "${PAGES[@]:5:3}"; do
  name="${entry%%|*}"
  path="${entry#*|}"
  line="$(wrk -t2 -c2 -d"${DURATION}s" -s bench/report.lua "$BASE$path" | grep '^RESULT')"
  read -r _ rps p50 p95 p99 _ _ <<<"$line"
  printf '%-22s %10s %9s %9s %9s\n' "$name" "$rps" "$p50" "$p95" "$p99"
done

if [ "$BACKEND" = postgres ]; then
  psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
fi
