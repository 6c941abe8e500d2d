#!/usr/bin/env bash
# What compression costs and saves, in one run: the catalogue's first page
# and the stylesheet, each fetched without and with `Accept-Encoding: gzip`,
# beside /healthz; requests/s, p50/p99 and bytes on the wire per response.
#
#   bench/compression.sh 10000 sqlite
#
# Environment: DURATION (seconds per case, default 10), CONNS (default 32).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${1:-10000}"
BACKEND="${2:-sqlite}"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-32}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18082}"

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
BIN=target/release/klearn

. bench/lib.sh
bench_database klearn_compress
bench_seed
bench_serve
CSS="$(curl -fs "$BASE/" | grep -o 'href="/static/[^"]*klearn.css"' | head -n1 | sed 's/href="//;s/"//')"

run() { # name, path, accept-encoding ("" for none)
  local name="$1" path="$2" accept="$3" header=() bytes out rps
  [ -n "$accept" ] && header=(-H "Accept-Encoding: $accept")
  bytes="$(curl -fs "${header[@]}" -o /dev/null -w '%{size_download}' "$BASE$path")"
  out="$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "${header[@]}" "$BASE$path")"
  rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")"
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")" "$bytes"
}

echo
echo "| case | req/s | p50 | p99 | bytes |"
echo "|---|---|---|---|---|"
run "/healthz" "/healthz" ""
run "catalogue page 1, identity" "/courses" ""
run "catalogue page 1, gzip" "/courses" "gzip"
run "stylesheet, identity" "$CSS" ""
run "stylesheet, gzip" "$CSS" "gzip"
