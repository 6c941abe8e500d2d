#!/usr/bin/env bash
# The checkout benchmark: seeds a synthetic community of SCALE users into a
# fresh database, starts the release binary with the sandbox provider, and
# runs bench/checkout_load.rs: LEARNERS learners each place EACH orders over
# HTTP, then every order's success event reaches the webhook DUPS times at
# once. Prints orders placed and paid per second, and checks in the database
# that each paid order has exactly one enrollment, event and receipt.
#
#   bench/checkout.sh 2000 sqlite
#   bench/checkout.sh 2000 postgres      # needs PostgreSQL on 127.0.0.1:5432
#
# Environment: LEARNERS (default 400), EACH (default 5), DUPS (default 3),
# CONNS (concurrent requests, default 32), PG_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${1:-2000}"
BACKEND="${2:-sqlite}"
LEARNERS="${LEARNERS:-400}"
EACH="${EACH:-5}"
DUPS="${DUPS:-3}"
CONNS="${CONNS:-32}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-18081}"

cargo build --release --quiet --bin klearn --example checkout_load
BIN=target/release/klearn

WORK="$(mktemp -d)"
trap 'kill "${SERVER:-0}" 2>/dev/null && wait "${SERVER:-0}" 2>/dev/null; rm -rf "$WORK"' EXIT
export KLEARN_DATA_DIR="$WORK"
export KLEARN_SECRET_KEY="$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export KLEARN_PAYMENTS=sandbox
export KLEARN_PAYMENT_WEBHOOK_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export KLEARN_BASE_URL="http://127.0.0.1:$PORT"
export RUST_LOG=warn
case "$BACKEND" in
  sqlite) export DATABASE_URL="sqlite://$WORK/bench.sqlite3" ;;
  postgres)
    DB="klearn_checkout_${SCALE}"
    psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
    export DATABASE_URL="$PG_URL/$DB" ;;
  *) echo "backend must be sqlite or postgres" >&2; exit 1 ;;
esac

echo "== seeding $SCALE users on $BACKEND"
"$BIN" seed --scale "$SCALE"

"$BIN" serve --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done

echo "== $LEARNERS learners x $EACH orders, each success delivered $DUPS times, $CONNS at once"
target/release/examples/checkout_load "http://127.0.0.1:$PORT" "$LEARNERS" "$EACH" "$DUPS" "$CONNS"
