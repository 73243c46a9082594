#!/bin/bash
# Upload processing time, for the README: registers on each server given by
# port, then uploads one 1200 x 900 PNG to each in turn, N times (default
# 30), and prints each server's median and quartiles of the request time.
# Not run by `cargo test`. The servers should run with RATE_LIMITS=off.
#
# Usage: N=30 tests/e2e/upload-time.sh 18082 18081
set -euo pipefail
cd "$(dirname "$0")"
N=${N:-30}
photo=$(mktemp --suffix=.png)
node -e "import('./png.mjs').then((m) => require('fs').writeFileSync('$photo', m.png(1200, 900, m.scenes.sunset(1200, 900))))"
declare -A token times
for port in "$@"; do
  name=up$RANDOM$RANDOM
  token[$port]=$(curl -s -H 'Content-Type: application/json' \
    -d "{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"password-$name\"}" \
    "http://127.0.0.1:$port/api/auth/register" | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  times[$port]=$(mktemp)
done
for _ in $(seq "$N"); do
  for port in "$@"; do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer ${token[$port]}" \
      -F "image=@$photo" "http://127.0.0.1:$port/api/posts" >> "${times[$port]}"
  done
done
for port in "$@"; do
  sort -n "${times[$port]}" | awk -v p="$port" '{ a[NR] = $1 } END {
    printf "port %s: %d uploads, median %.0f ms, quartiles %.0f-%.0f ms\n",
      p, NR, 1000 * a[int((NR + 1) / 2)], 1000 * a[int(NR / 4) + 1], 1000 * a[int(3 * NR / 4)] }'
  rm -f "${times[$port]}"
done
rm -f "$photo"
