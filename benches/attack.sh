#!/usr/bin/env bash
# The attack suite against a release binary, and the figures that go with it:
#   1. /healthz latency (wrk, p99) while 8 heavy SPARQL queries (a three-way
#      cross join) are sent again and again;
#   2. the attack suite (tests/it/security.rs) in its external-server mode:
#      every test that attacks a `Target` hits this server;
#   3. the server's peak RSS through all of it (VmHWM).
# Usage: bash benches/attack.sh [DATA_DIR] [seconds=10]
# DATA_DIR: run the server on an existing data directory (for instance the
# 100,000-dataset catalog that `RADNICE_BENCH_DATA=dir bash benches/catalog.sh`
# keeps); default: a fresh one with the seed.
# The limits below are the ones tests/it/support/attack.rs assumes.
set -euo pipefail
cd "$(dirname "$0")/.."
given="${1:-}"
secs="${2:-10}"
port="${RADNICE_BENCH_PORT:-18183}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
cargo build --release --quiet
cargo test --test it --no-run --quiet 2>/dev/null
bin=target/release/radnice
data="${given:-$(mktemp -d)}"
work=$(mktemp -d)
pid=""
loops=()
cleanup() {
  for l in "${loops[@]}"; do kill "$l" 2>/dev/null || true; done
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  [ -z "$given" ] && rm -rf "$data"
  rm -rf "$work"
}
trap cleanup EXIT

export RADNICE_BASE_URL=https://data.example.cz
export RADNICE_SPARQL_TIMEOUT_MS=2000 RADNICE_SPARQL_MAX_HELD=20000 RADNICE_SPARQL_MAX_STRING=65536
export RADNICE_SPARQL_CONCURRENCY=2 RADNICE_BODY_TIMEOUT_MS=1000
env -u DATABASE_URL RADNICE_SEED_DIR=catalog "$bin" serve --bind "127.0.0.1:$port" --data-dir "$data" >"$work/server.log" 2>&1 &
pid=$!
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.05
done
echo "RSS at start: $(( $(ps -o rss= -p "$pid") / 1024 )) MB"

echo "== /healthz while 8 cross joins run (each stopped at 2 s, sent again at once)"
# The cartesian product of four slices of 300 triples: minutes of work on
# any catalog, little buffered (tests/it/security.rs uses the same).
q='SELECT (COUNT(*) AS ?n) WHERE { { SELECT * WHERE { ?a ?b ?c } LIMIT 300 } { SELECT * WHERE { ?d ?e ?f } LIMIT 300 } { SELECT * WHERE { ?g ?h ?i } LIMIT 300 } { SELECT * WHERE { ?j ?k ?l } LIMIT 300 } }'
end=$(( $(date +%s) + secs + 2 ))
for _ in $(seq 1 8); do
  ( while [ "$(date +%s)" -lt "$end" ]; do
      curl -s -o /dev/null -w "%{http_code}\n" -H 'Accept: application/sparql-results+json' \
        --data-urlencode "query=$q" "http://127.0.0.1:$port/sparql" >>"$work/codes.txt"
    done ) &
  loops+=("$!")
done
sleep 1
wrk -t1 -c8 -d"${secs}s" --latency "http://127.0.0.1:$port/healthz" >"$work/wrk.txt"
wait "${loops[@]}" 2>/dev/null || true
loops=()
echo "/healthz: $(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt") req/s, p50 $(awk '$1 == "50%" {print $2}' "$work/wrk.txt"), p99 $(awk '$1 == "99%" {print $2}' "$work/wrk.txt")"
echo "SPARQL answers meanwhile: $(sort "$work/codes.txt" | uniq -c | tr '\n' ' ')"

echo "== attack suite against the release server"
# One at a time: the tests share this server and its query slots.
RADNICE_ATTACK_URL="http://127.0.0.1:$port" cargo test --quiet --test it -- security:: --test-threads=1 2>&1 | grep -E "^test .*FAILED|panicked|test result" | tail -n 12

echo "peak RSS of the server through all of it: $(( $(awk '/VmHWM/ {print $2}' "/proc/$pid/status") / 1024 )) MB"
kill -0 "$pid" 2>/dev/null && echo "the server is still up"
