# Shared by the benchmark scripts (sourced, not run): a scratch directory,
# a fresh database of $BACKEND for $SCALE users, the seed, and the release
# server on $PORT. Callers set SCALE, BACKEND, PG_URL, PORT and BIN.

# A scratch directory (removed on exit, with the server stopped) and a fresh
# database; $1 names the PostgreSQL database (`$1_$SCALE`).
bench_database() {
  WORK="$(mktemp -d)"
  trap '[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
  export KLEARN_DATA_DIR="$WORK"
  export KLEARN_SECRET_KEY="$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export RUST_LOG=warn
  case "$BACKEND" in
    sqlite) export DATABASE_URL="sqlite://$WORK/bench.sqlite3" ;;
    postgres)
      DB="$1_${SCALE}"
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
      export DATABASE_URL="$PG_URL/$DB" ;;
    *) echo "backend must be sqlite or postgres" >&2; exit 1 ;;
  esac
}

# `klearn seed --scale $SCALE`, timed.
bench_seed() {
  echo "== seeding $SCALE users on $BACKEND"
  local start
  start=$(date +%s)
  "$BIN" seed --scale "$SCALE"
  echo "   seeded in $(( $(date +%s) - start ))s"
}

# Starts the server on $PORT and waits until /healthz answers; sets BASE.
bench_serve() {
  "$BIN" serve --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  BASE="http://127.0.0.1:$PORT"
}

# Stops the server started by bench_serve.
bench_stop() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  SERVER=""
}
