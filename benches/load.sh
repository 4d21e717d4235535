#!/usr/bin/env bash
# Load figures of the foundation, measured on a release build:
#   - cold start to /healthz = 200 on an empty data dir (seed included)
#   - idle RSS after start
#   - wrk on /healthz and on the home page, same run, loopback
# Usage: bash benches/load.sh [seconds-per-wrk-run]   (needs wrk: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
port="${RADNICE_BENCH_PORT:-18181}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
cargo build --release --quiet
bin=target/release/radnice
data=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT

t0=$(date +%s%N)
env -u DATABASE_URL RADNICE_SEED_DIR=catalog "$bin" serve --bind "127.0.0.1:$port" --data-dir "$data" >"$data/server.log" 2>&1 &
pid=$!
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$data/server.log"; exit 1; }
  sleep 0.01
done
t1=$(date +%s%N)
echo "cold start to /healthz=200 (empty data dir, seed included): $(( (t1 - t0) / 1000000 )) ms"
grep -o 'seeded .*' "$data/server.log" || true
sleep 2
echo "idle RSS after start: $(( $(ps -o rss= -p "$pid") / 1024 )) MB"

run() {
  local path=$1
  wrk -t2 -c32 -d"${secs}s" --latency "http://127.0.0.1:$port$path" >"$data/wrk.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$data/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$data/wrk.txt")
  echo "$path: $rps req/s, p99 $p99" >&2
  echo "$rps"
}
h=$(run /healthz)
home=$(run /)
echo "home page / healthz: $(awk -v a="$home" -v b="$h" 'BEGIN {printf "%.0f %%", 100 * a / b}')"
echo "RSS after load: $(( $(ps -o rss= -p "$pid") / 1024 )) MB"
