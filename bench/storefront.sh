#!/usr/bin/env bash
# The storefront benchmark (issue 14): seeds a synthetic community of SCALE
# users into a fresh database, then, in one run of the release binary per
# phase, drives /healthz and each storefront page with wrk and prints
# requests/s, p50, p99 and the ratio to /healthz measured by the same server:
#
#   1. guest, nothing kept (KLEARN_PAGE_CACHE_MB=0): every request renders
#      from the database (a first request);
#   2. guest, default settings: pages from the guest page cache;
#   3. signed-in learner, same server: the learner logs in through the real
#      form (CSRF token from the form) and wrk sends the session cookie; no
#      page cache for members, but the catalogue's kept pages of cards.
#
#   bench/storefront.sh 10000 sqlite
#   bench/storefront.sh 1000000 postgres   # needs PostgreSQL on 127.0.0.1:5432
#
# Environment: DURATION (seconds per page, default 4), CONNS (default 32),
# PG_URL (default postgres://postgres@127.0.0.1:5432), PORT (default 18084),
# LEARNER (default u0000001, a seeded learner; not an expert), KLEARN_BIN (a
# binary to measure instead of building this checkout's, e.g. an older build),
# SEEDED_URL (a database seeded beforehand for SCALE users, used as it is).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${1:-10000}"
BACKEND="${2:-sqlite}"
DURATION="${DURATION:-4}"
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
bench_database klearn_storefront
bench_seed

# The pages: URLs that exist at every scale. The landing page, the expert
# and the thread are the first ones their lists link to.
find_pages() {
  local slug expert thread
  slug="$(curl -fs "$BASE/courses" | grep -o 'href="/courses/scale-[0-9]*"' | head -n1 | sed 's/href="\/courses\///;s/"//')"
  expert="$(curl -fs "$BASE/experts" | grep -o 'href="/experts/[a-z0-9_]*"' | grep -v '/apply"' | head -n1 | sed 's/href="\/experts\///;s/"//')"
  thread="$(curl -fs "$BASE/forum/general" | grep -o 'href="/t/[0-9]*/[a-z0-9-]*"' | head -n1 | sed 's/href="//;s/"//')"
  [ -n "$slug" ] && [ -n "$expert" ] && [ -n "$thread" ] || { echo "could not find the pages' URLs" >&2; exit 1; }
  PAGES=(
    "healthz|/healthz"
    "home|/"
    "catalogue page 1|/courses"
    "filtered, by rating|/courses?level=intermediate&price=paid&sort=rating"
    "catalogue page 200|/courses?page=200"
    "category page|/categories/rust"
    "course landing page|/courses/$slug"
    "search rust async|/courses?q=rust+async"
    "expert directory|/experts"
    "expert profile|/experts/$expert"
    "forum index|/forum"
    "forum category|/forum/general"
    "thread|$thread"
  )
}

# One line: a page with wrk (extra wrk arguments after the path), its ratio to $HEALTHZ.
measure_one() {
  local name="$1" path="$2" line rps p50 p99 bad ratio
  shift 2
  line="$(wrk -t2 -c"$CONNS" -d"${DURATION}s" -s bench/report.lua -H "Accept-Encoding: gzip" "$@" "$BASE$path" | grep "^RESULT")"
  read -r _ rps p50 _ p99 bad _ <<<"$line"
  [ -z "$HEALTHZ" ] && HEALTHZ="$rps"
  ratio="$(awk -v a="$rps" -v b="$HEALTHZ" 'BEGIN { printf "%.3f", a / b }')"
  printf '%-24s %10s %9s %9s %8s %7s\n' "$name" "$rps" "$p50" "$p99" "$ratio" "$bad"
}

# One table: /healthz as a guest (the ratios' reference), then every page
# with the extra wrk arguments (a session cookie). With a cookie, /healthz
# is measured again: it then pays for loading the session and its user.
measure() {
  local title="$1" entry
  shift
  echo "== $title: ${DURATION}s per page, 2 threads, $CONNS connections, $(nproc) cores shared with the server"
  printf '%-24s %10s %9s %9s %8s %7s\n' "page" "req/s" "p50 ms" "p99 ms" "vs /hz" "non2xx"
  HEALTHZ=""
  for entry in "${PAGES[@]}"; do
    if [ "${entry#*|}" = /healthz ]; then
      measure_one "${entry%%|*}" /healthz
      if [ $# -gt 0 ]; then measure_one "healthz, with session" /healthz "$@"; fi
    else
      measure_one "${entry%%|*}" "${entry#*|}" "$@"
    fi
  done
}

export KLEARN_PAGE_CACHE_MB=0
bench_serve
find_pages
measure "guest, nothing kept (KLEARN_PAGE_CACHE_MB=0): every request renders"
bench_stop

unset KLEARN_PAGE_CACHE_MB
bench_serve
# Each page once, so that the cache holds it.
for entry in "${PAGES[@]}"; do curl -fs -o /dev/null "$BASE${entry#*|}"; done
measure "guest, page cache on (cached)"
bench_sign_in
measure "signed-in learner ($LEARNER), default settings (no page cache for members)" -H "Cookie: $COOKIE"
bench_stop

if [ "$BACKEND" = postgres ] && [ -z "${SEEDED_URL:-}" ]; then
  psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null || true
fi
