#!/usr/bin/env bash
# Figures of the strategy tracking, release build, on a generated strategy
# (benches/generate_strategy.rs: the seed's 12 goals, 100 projects, 200
# monthly KPIs with ten years of values):
#   - wrk -t2 -c32: /healthz, the public strategy page (goals with their two
#     bars, attention, projects and KPIs) and the committee's dashboard API,
#     in one run, and their share of /healthz;
#   - wrk -t1 -c1: a KPI page with its chart;
#   - the CSV import of 100,000 values (all or nothing), timed.
# Usage: bash benches/strategy.sh [seconds-per-wrk-run=10]
# The generated data dir is kept in $RADNICE_BENCH_STRATEGY if set (the CSV
# import needs a fresh one: it stores its values), else made and removed.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
port="${RADNICE_BENCH_PORT:-18183}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
cargo build --release --quiet
bin=target/release/radnice
keep="${RADNICE_BENCH_STRATEGY:-}"
data="${keep:-$(mktemp -d)}"
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -z "$keep" ] && rm -rf "$data"; rm -rf "$work"' EXIT
unset DATABASE_URL
if [ ! -f "$data/.generated-strategy" ]; then
  echo "== generating the strategy"
  cargo bench --quiet --bench generate_strategy -- "$data" "$data/out"
  touch "$data/.generated-strategy"
fi
RADNICE_SEED_DIR=catalog "$bin" serve --bind "127.0.0.1:$port" --data-dir "$data" >"$work/server.log" 2>&1 &
pid=$!
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.05
done
sleep 1
run() {
  local label=$1; shift
  wrk --latency "$@" >"$work/wrk.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  echo "$label: $rps req/s, p99 $p99" >&2
  grep -E "Non-2xx|Socket errors" "$work/wrk.txt" >&2 || true
  echo "$rps"
}
base="http://127.0.0.1:$port"
echo "== wrk -t2 -c32, ${secs} s each"
h=$(run "/healthz" -t2 -c32 -d"${secs}s" "$base/healthz")
page=$(run "strategy page" -t2 -c32 -d"${secs}s" "$base/strategies/chomutov-ict-2020-2024")
board=$(run "dashboard API" -t2 -c32 -d"${secs}s" "$base/api/v1/strategies/chomutov-ict-2020-2024/dashboard")
echo "strategy page / healthz: $(awk -v a="$page" -v b="$h" 'BEGIN {printf "%.0f %%", 100 * a / b}')"
echo "dashboard / healthz: $(awk -v a="$board" -v b="$h" 'BEGIN {printf "%.0f %%", 100 * a / b}')"
echo "== wrk -t1 -c1, ${secs} s"
run "KPI page with its chart" -t1 -c1 -d"${secs}s" "$base/kpis/KPI-GEN-007" >/dev/null
echo "== CSV import of 100,000 values"
if [ -f "$data/.imported" ]; then
  echo "(already imported into this data dir: generate a fresh one to time it)"
else
  curl -fs -o "$work/import.json" -w "import: %{http_code} in %{time_total} s\n" \
    -H "Authorization: Bearer $(cat "$data/out/token")" -H "Content-Type: text/csv" \
    --data-binary @"$data/out/values.csv" "$base/api/v1/measurements.csv"
  cat "$work/import.json"; echo
  touch "$data/.imported"
fi
echo "RSS at the end: $(( $(ps -o rss= -p "$pid") / 1024 )) MB"
