#!/usr/bin/env bash
# Captures the plans PostgreSQL actually runs for the main read paths, with
# the server's own statements and parameters (auto_explain), into one file
# per path under $OUT. Behind the README's "Plans of the read paths".
#
# First, on the seeded database, have every new connection log its plans:
#   psql -d shutterbug -c "ALTER DATABASE shutterbug SET session_preload_libraries = 'auto_explain'" \
#     -c "ALTER DATABASE shutterbug SET auto_explain.log_min_duration = 0" \
#     -c "ALTER DATABASE shutterbug SET auto_explain.log_analyze = on" \
#     -c "ALTER DATABASE shutterbug SET auto_explain.log_buffers = on"
# then start the server on it, run this, and undo it with
#   psql -d shutterbug -c "ALTER DATABASE shutterbug RESET ALL"
#
# Each path is asked three times and the third answer's statements are kept
# (the first two warm the caches).
set -euo pipefail

BASE_URL="${BASE_URL:-http://127.0.0.1:8080}"
LOGIN="${LOGIN:-ana5000}"           # 2 blocks, 36 mutes, 14 private followees in the default seed
PASSWORD="${PASSWORD:-loadtest-password}"
PG_LOG="${PG_LOG:-/var/log/postgresql/postgresql-15-main.log}"
OUT="${OUT:-plans}"
TAG="${TAG:-photooftheday}"         # the most used tag
POST="${POST:-258369}"              # a post of the most-followed account with 935 comments

token=$(curl -fsS -X POST "$BASE_URL/api/auth/login" -H 'content-type: application/json' \
  -d "{\"login\":\"$LOGIN\",\"password\":\"$PASSWORD\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
mkdir -p "$OUT"

capture() {
  local name=$1 path=$2
  shift 2
  curl -fsS -o /dev/null "$@" "$BASE_URL$path"
  curl -fsS -o /dev/null "$@" "$BASE_URL$path"
  sleep 0.5
  local start
  start=$(wc -l <"$PG_LOG")
  curl -fsS -o /dev/null "$@" "$BASE_URL$path"
  sleep 1
  tail -n +"$((start + 1))" "$PG_LOG" >"$OUT/$name.txt"
  printf '%-14s %s\n' "$name" "$(grep -o 'duration: [0-9.]* ms' "$OUT/$name.txt" | paste -sd' ' -)"
}

auth=(-H "authorization: Bearer $token")
capture feed "/api/feed" "${auth[@]}"
capture explore "/api/explore" "${auth[@]}"
capture explore-anon "/api/explore"
capture tag "/api/tags/$TAG/posts" "${auth[@]}"
capture search "/api/search?q=ana" "${auth[@]}"
capture comments "/api/posts/$POST/comments" "${auth[@]}"
capture grid "/api/users/uma1/posts" "${auth[@]}"
