#!/usr/bin/env bash
# Starts and stops a local cluster of Shutterbug instances on one PostgreSQL
# database and one Redis, for `loadtest ws --url …` (README, "Several
# instances"). Instance K listens on 127.0.0.1:1808K and keeps its pid, log
# and data directory under $CLUSTER_DIR/K.
#
#   loadtest/cluster.sh start N    start instances 1..N (each waits for /api/health)
#   loadtest/cluster.sh start-one K    (re)start instance K, e.g. for --restart
#   loadtest/cluster.sh pids       one pid per line, instance 1 first
#   loadtest/cluster.sh urls       the instances' URLs, comma-separated
#   loadtest/cluster.sh stop       SIGTERM every instance
#
# DATABASE_URL must be set (a seeded PostgreSQL database). Every other
# setting has a load-test default below and can be overridden.
set -euo pipefail

: "${DATABASE_URL:?set DATABASE_URL to the seeded PostgreSQL database}"
BIN="${BIN:-target/release/shutterbug}"
CLUSTER_DIR="${CLUSTER_DIR:-target/cluster}"
export DATABASE_URL
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export REDIS_PREFIX="${REDIS_PREFIX:-clusterlt:}"
export JWT_SECRET="${JWT_SECRET:-cluster-load-test-secret-of-at-least-32-bytes}"
export DATABASE_MAX_CONNECTIONS="${DATABASE_MAX_CONNECTIONS:-12}"
# One box: every instance reads and writes the same upload directory.
export ALLOW_LOCAL_MEDIA=on
export UPLOAD_DIR="${UPLOAD_DIR:-uploads}"
export RATE_LIMITS="${RATE_LIMITS:-off}"
export BCRYPT_COST="${BCRYPT_COST:-4}"
export RUST_LOG="${RUST_LOG:-warn}"
# Logging in and connecting 100,000 sessions takes minutes: tokens must outlive it.
export ACCESS_TOKEN_TTL="${ACCESS_TOKEN_TTL:-2h}"

count_file="$CLUSTER_DIR/count"

# Whether process $1 has ended, waiting up to 2 s: one just killed with
# SIGKILL (the chaos run restarts it at once) takes a moment to go.
gone() {
  for _ in $(seq 1 20); do
    [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo X)" =~ ^[XZ]$ ]] && return 0
    sleep 0.1
  done
  return 1
}

start_one() {
  local k=$1 dir="$CLUSTER_DIR/$1"
  mkdir -p "$dir"
  if [[ -f "$dir/pid" ]] && ! gone "$(cat "$dir/pid")"; then
    echo "instance $k already runs (pid $(cat "$dir/pid"))" >&2
    return 1
  fi
  LISTEN_ADDR="127.0.0.1:1808$k" DATA_DIR="$dir/data" \
    setsid "$BIN" >>"$dir/log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
  for _ in $(seq 1 100); do
    if curl -fs -o /dev/null "http://127.0.0.1:1808$k/api/health"; then
      return 0
    fi
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "instance $k did not start; see $dir/log" >&2
  return 1
}

instances() { seq 1 "$(cat "$count_file")"; }

case "${1:-}" in
  start)
    n="${2:?how many instances (1 to 9)}"
    (( n >= 1 && n <= 9 )) || { echo "1 to 9 instances" >&2; exit 2; }
    mkdir -p "$CLUSTER_DIR"
    echo "$n" >"$count_file"
    for k in $(seq 1 "$n"); do start_one "$k"; done
    ;;
  start-one)
    start_one "${2:?which instance}"
    ;;
  pids)
    for k in $(instances); do cat "$CLUSTER_DIR/$k/pid"; done
    ;;
  urls)
    instances | sed 's|^|http://127.0.0.1:1808|' | paste -sd, -
    ;;
  stop)
    for k in $(instances); do
      kill "$(cat "$CLUSTER_DIR/$k/pid")" 2>/dev/null || true
    done
    ;;
  *)
    sed -n '2,14p' "$0" >&2
    exit 2
    ;;
esac
