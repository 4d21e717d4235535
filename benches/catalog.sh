#!/usr/bin/env bash
# Figures of the open data catalog on a large generated catalog, release build:
#   - generating N datasets (3 distributions each) through the audited save
#   - `radnice reindex` (RDF projection rebuilt from the database) and the
#     rebuild at server start
#   - server RSS with the catalog loaded, and after the dump
#   - the full Turtle dump, streamed (time, size, triples)
#   - SPARQL "datasets per theme"
#   - wrk: /healthz, a dataset page and a dataset's JSON-LD (random datasets),
#     and the list with two facets applied (p99, 32 connections and one),
#     in one run
# Usage: bash benches/catalog.sh [--postgres URL] [N=100000] [seconds-per-wrk-run=10]
# --postgres runs every step on that PostgreSQL database instead of SQLite in
# the data dir (the database must exist; it is filled once and reused).
# The generated data dir is kept in $RADNICE_BENCH_DATA if set (reused when
# it already holds a catalog), else made and removed.
set -euo pipefail
cd "$(dirname "$0")/.."
pg=""
if [ "${1:-}" = "--postgres" ]; then
  pg="$2"
  shift 2
fi
n="${1:-100000}"
secs="${2:-10}"
port="${RADNICE_BENCH_PORT:-18182}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
cargo build --release --quiet
bin=target/release/radnice
keep="${RADNICE_BENCH_DATA:-}"
data="${keep:-$(mktemp -d)}"
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -z "$keep" ] && rm -rf "$data"; rm -rf "$work"' EXIT
export RADNICE_BASE_URL=https://data.example.cz
unset DATABASE_URL
marker="$data/.generated-$n"
if [ -n "$pg" ]; then
  export DATABASE_URL="$pg"
  marker="$data/.generated-pg-$n"
  echo "== backend: PostgreSQL"
else
  echo "== backend: SQLite"
fi

if [ ! -f "$marker" ]; then
  echo "== generating $n datasets"
  cargo bench --quiet --bench generate_catalog -- "$data" "$n"
  touch "$marker"
fi

echo "== radnice reindex"
/usr/bin/time -f "reindex: %e s wall, max RSS %M KB" "$bin" --data-dir "$data" reindex

echo "== server start (projection rebuilt before the first request)"
t0=$(date +%s%N)
RADNICE_SEED_DIR=catalog RUST_LOG=info "$bin" serve --bind "127.0.0.1:$port" --data-dir "$data" >"$work/server.log" 2>&1 &
pid=$!
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.05
done
t1=$(date +%s%N)
echo "start to /healthz=200: $(( (t1 - t0) / 1000000 )) ms"
grep -o 'RDF projection: .*' "$work/server.log" || true
sleep 1
echo "RSS with the catalog loaded: $(( $(ps -o rss= -p "$pid") / 1024 )) MB"

echo "== full Turtle dump, streamed"
t0=$(date +%s%N)
curl -fs "http://127.0.0.1:$port/catalog/dump.ttl" -o "$work/dump.ttl"
t1=$(date +%s%N)
echo "dump: $(( (t1 - t0) / 1000000 )) ms, $(( $(stat -c %s "$work/dump.ttl") / 1024 / 1024 )) MB"
curl -fs "http://127.0.0.1:$port/catalog/dump.nt" | wc -l | awk '{print "triples in the dump: " $1}'
echo "RSS after the dumps: $(( $(ps -o rss= -p "$pid") / 1024 )) MB"
rm -f "$work/dump.ttl"

echo "== SPARQL: number of datasets per theme"
q='SELECT ?theme (COUNT(?d) AS ?n) WHERE { ?d a dcat:Dataset ; dcat:theme ?theme } GROUP BY ?theme'
for _ in 1 2 3; do
  curl -fs -o /dev/null -w "per theme: %{time_total} s\n" -H 'Accept: text/csv' \
    --data-urlencode "query=$q" "http://127.0.0.1:$port/sparql"
done

cat >"$work/dataset.lua" <<LUA
request = function()
  local path = string.format("/datasets/gen-%06d", math.random(0, $n - 1))
  return wrk.format("GET", path, { ["Accept"] = "text/html" })
end
LUA
cat >"$work/jsonld.lua" <<LUA
request = function()
  return wrk.format("GET", string.format("/datasets/gen-%06d.jsonld", math.random(0, $n - 1)))
end
LUA
theme=$(curl -fs -H 'Accept: text/csv' --data-urlencode "query=$q ORDER BY DESC(?n) LIMIT 1" "http://127.0.0.1:$port/sparql" | sed -n 2p | cut -d, -f1)
list="/datasets?theme=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=''))" "$theme")&format=http%3A%2F%2Fpublications.europa.eu%2Fresource%2Fauthority%2Ffile-type%2FCSV"

run() {
  local label=$1; shift
  wrk -t2 -c32 -d"${secs}s" --latency "$@" >"$work/wrk.txt"
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  echo "$label: $rps req/s, p99 $p99" >&2
  grep -E "Non-2xx|Socket errors" "$work/wrk.txt" >&2 || true
  echo "$rps"
}
echo "== wrk -t2 -c32, ${secs} s each"
h=$(run "/healthz" "http://127.0.0.1:$port/healthz")
run "home page" "http://127.0.0.1:$port/" >/dev/null
page=$(run "dataset page (random)" -s "$work/dataset.lua" "http://127.0.0.1:$port")
jsonld=$(run "dataset JSON-LD (random)" -s "$work/jsonld.lua" "http://127.0.0.1:$port")
run "list, theme + format facets" "http://127.0.0.1:$port$list" >/dev/null
wrk -t1 -c1 -d"${secs}s" --latency "http://127.0.0.1:$port$list" >"$work/wrk.txt"
echo "list, theme + format facets, one connection: $(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt") req/s, p99 $(awk '$1 == "99%" {print $2}' "$work/wrk.txt")"
echo "dataset page / healthz: $(awk -v a="$page" -v b="$h" 'BEGIN {printf "%.0f %%", 100 * a / b}')"
echo "dataset JSON-LD / healthz: $(awk -v a="$jsonld" -v b="$h" 'BEGIN {printf "%.0f %%", 100 * a / b}')"
echo "RSS at the end: $(( $(ps -o rss= -p "$pid") / 1024 )) MB"
