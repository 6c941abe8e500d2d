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

. bench/lib.sh
bench_database klearn_checkout
export KLEARN_PAYMENTS=sandbox
export KLEARN_PAYMENT_WEBHOOK_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export KLEARN_BASE_URL="http://127.0.0.1:$PORT"
bench_seed
bench_serve

echo "== $LEARNERS learners x $EACH orders, each success delivered $DUPS times, $CONNS at once"
target/release/examples/checkout_load "http://127.0.0.1:$PORT" "$LEARNERS" "$EACH" "$DUPS" "$CONNS"
