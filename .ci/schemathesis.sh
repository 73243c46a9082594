#!/usr/bin/env bash
# Schemathesis: an outside checker that fuzzes every operation of the served
# OpenAPI document with every check (settings and their few, explained
# exceptions in .ci/schemathesis.toml). It fails on any 5xx and on any answer
# the document does not describe: status, content type, headers, body.
#
# For each backend (SQLite always; PostgreSQL when TEST_POSTGRES_URL is set)
# it runs a debug build of the server on a fresh database, signs one user
# up, and fuzzes with that user's bearer token.
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
venv="$target/schemathesis-venv"
# Pinned so that a new release cannot change what CI checks overnight.
schemathesis_version="4.32.5"
if [ ! -x "$venv/bin/st" ]; then
  echo "installing schemathesis $schemathesis_version into $venv"
  # A Python without ensurepip (a bare Debian one) needs python3-venv first.
  if ! python3 -m venv "$venv"; then
    apt-get update && apt-get install -y python3-venv
    /usr/bin/python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi

cargo build --quiet --bin shutterbug

work="$(mktemp -d)"
server_pid=""
pg_database=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
  if [ -n "$pg_database" ]; then
    psql "$TEST_POSTGRES_URL" -q -c "DROP DATABASE IF EXISTS \"$pg_database\" WITH (FORCE)" || true
    pg_database=""
  fi
}
trap 'cleanup; rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# fuzz NAME DATABASE_URL: one server, one Schemathesis run.
fuzz() {
  local name="$1" database_url="$2"
  local dir="$work/$name" port base token status=0
  mkdir -p "$dir"
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  echo "=== Schemathesis on $name ==="

  DATABASE_URL="$database_url" \
  DATA_DIR="$dir/data" \
  UPLOAD_DIR="$dir/uploads" \
  LISTEN_ADDR="127.0.0.1:$port" \
  BCRYPT_COST=4 \
  RATE_LIMITS=off \
  ACCESS_TOKEN_TTL=2h \
  RUST_LOG=warn \
    "$target/debug/shutterbug" >"$dir/server.log" 2>&1 &
  server_pid=$!

  for _ in $(seq 1 100); do
    curl -fsS "$base/api/health" >/dev/null 2>&1 && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
      cat "$dir/server.log"
      echo "the server did not start" >&2
      return 1
    fi
    sleep 0.1
  done

  token="$(curl -fsS -X POST "$base/api/auth/register" \
    -H 'Content-Type: application/json' \
    -d '{"username":"fuzzer","email":"fuzzer@example.com","password":"fuzzer-password"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"

  "$venv/bin/st" --config-file .ci/schemathesis.toml run "$base/api/openapi.json" \
    --header "Authorization: Bearer $token" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-100}" \
    --generation-database none \
    --no-color \
    || status=$?

  if [ "$status" -ne 0 ]; then
    echo "--- server log ($name) ---"
    tail -n 200 "$dir/server.log"
  fi
  cleanup
  return "$status"
}

fuzz sqlite "sqlite:$work/sqlite/shutterbug.db"

if [ -n "${TEST_POSTGRES_URL:-}" ]; then
  pg_database="shutterbug_st_$$"
  psql "$TEST_POSTGRES_URL" -q -c "CREATE DATABASE \"$pg_database\""
  # The same server and credentials, another database name.
  fuzz postgres "$(python3 -c '
import sys, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(url._replace(path="/" + sys.argv[2])))
' "$TEST_POSTGRES_URL" "$pg_database")"
else
  echo "SKIPPED Schemathesis on PostgreSQL: TEST_POSTGRES_URL is not set"
fi
