# Shared by the benchmark scripts (sourced, not run): a scratch directory,
# a fresh database of $BACKEND for $SCALE users, the seed, and the release
# server on $PORT. Callers set SCALE, BACKEND, PG_URL, PORT and BIN.
# SEEDED_URL, when set, is a database already seeded with `klearn seed
# --scale $SCALE` (a SQLite URL or a PostgreSQL one): it is used as it is,
# neither created, seeded nor dropped (a million users take minutes to seed).

# A scratch directory (removed on exit, with the server stopped) and a fresh
# database; $1 names the PostgreSQL database (`$1_$SCALE`).
bench_database() {
  WORK="$(mktemp -d)"
  trap '[ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
  export KLEARN_DATA_DIR="$WORK"
  export KLEARN_SECRET_KEY="$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export RUST_LOG=warn
  if [ -n "${SEEDED_URL:-}" ]; then
    export DATABASE_URL="$SEEDED_URL"
    return
  fi
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
  if [ -n "${SEEDED_URL:-}" ]; then
    echo "== $SCALE users on $BACKEND, seeded beforehand: $SEEDED_URL"
    return
  fi
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

# Signs $LEARNER in with $PASSWORD through the login form (its CSRF token
# from the form); sets COOKIE ("name=value") and checks that it signs in.
bench_sign_in() {
  local jar="$WORK/cookies" token code
  token="$(curl -fs -c "$jar" "$BASE/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -n1 | sed 's/.*value="//;s/"//')"
  [ -n "$token" ] || { echo "no CSRF token in the login form" >&2; exit 1; }
  code="$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
    --data-urlencode "csrf_token=$token" --data-urlencode "login=$LEARNER" \
    --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" "$BASE/login")"
  [ "$code" = 303 ] || [ "$code" = 302 ] || { echo "login answered $code" >&2; exit 1; }
  COOKIE="$(awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) print $6 "=" $7 }' "$jar" | tail -n1)"
  code="$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" "$BASE/learn")"
  [ "$code" = 200 ] || { echo "the session cookie does not sign in (/learn answered $code)" >&2; exit 1; }
}

# Writes $WORK/mix.lua, wrk's script for the memory runs: every request picks
# one of the storefront's pages ($1 is a course's slug), one in three with
# the session cookie $COOKIE; catalogue pages are drawn from the first 400,
# so that the page cache fills and evicts.
bench_mix() {
  cat >"$WORK/mix.lua" <<LUA
local paths = {"/", "/courses", "/courses?page=", "/courses?q=rust", "/courses/$1",
  "/courses?level=intermediate&sort=rating", "/experts", "/forum", "/forum/general"}
request = function()
  local path = paths[math.random(#paths)]
  if path == "/courses?page=" then path = path .. math.random(400) end
  if math.random(3) == 1 then
    return wrk.format("GET", path, {["Cookie"] = "$COOKIE", ["Accept-Encoding"] = "gzip"})
  end
  return wrk.format("GET", path, {["Accept-Encoding"] = "gzip"})
end
LUA
}
