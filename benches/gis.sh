#!/usr/bin/env bash
# Figures of GIS layers, on a release build and SQLite (or PostgreSQL with
# --postgres URL), loopback only:
#   - the import of a layer of N points in S-JTSK (a CSV with X and Y, as
#     a surveyor's export has it): read, reprojected, checked, exported as
#     GeoJSON and CSV, stored, published
#   - OGC API Features: an items page of about 1,000 features by bbox on
#     that layer (wrk, one connection and eight, p99)
# The comparison with pygeoapi on PostGIS is not in this script yet.
# Usage: bash benches/gis.sh [--postgres URL] [points=100000] [seconds=10]
# Needs wrk, curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
pg=""
if [ "${1:-}" = "--postgres" ]; then pg=$2; shift 2; fi
points="${1:-100000}"
secs="${2:-10}"
port="${RADNICE_BENCH_PORT:-18184}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
cargo build --release --quiet
bin=target/release/radnice
data=$(mktemp -d)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data" "$work"' EXIT
export RADNICE_DATA_DIR="$data" RADNICE_SEED_DIR=catalog
if [ -n "$pg" ]; then export DATABASE_URL="$pg"; else unset DATABASE_URL || true; fi
base="http://127.0.0.1:$port"
"$bin" serve --bind "127.0.0.1:$port" >"$data/server.log" 2>&1 &
pid=$!
until curl -fs "$base/healthz" >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$data/server.log"; exit 1; }
  sleep 0.05
done
echo 'a-long-bench-password' | "$bin" user add bench@example.cz --role curator \
  --publisher statutarni-mesto-chomutov --password-stdin >/dev/null
token=$("$bin" token create bench@example.cz --name bench | tail -1)
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

echo "== a layer of $points points in S-JTSK"
# A square grid 5 m apart around Chomutov, in S-JTSK East North.
python3 - "$points" >"$work/points.csv" <<'PY'
import sys, math
n = int(sys.argv[1]); side = math.ceil(math.sqrt(n))
print("id;druh;vyska_m;X;Y")
for i in range(n):
    x = -812000.0 + (i % side) * 5.0
    y = -995000.0 + (i // side) * 5.0
    print(f"S{i};lípa;{i % 30};{x:.2f};{y:.2f}")
PY
t0=$(now)
curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/octet-stream' \
  --data-binary "@$work/points.csv" "$base/api/v1/datasets/pasport-zelene/layers?name=body.csv" >"$work/import.json"
t1=$(now)
echo "import: $(ms "$t0" "$t1") ms: $(cat "$work/import.json" | head -c 200)"
# A box holding about 1,000 of the points: 32 x 32 of the 5 m grid from
# the layer's south-west corner, in WGS 84.
bbox=$(python3 - "$work/import.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["bbox"]
# 5 m is about 0.0000705 degrees of longitude and 0.0000450 of latitude here;
# the grid is turned against the meridians, so the box is cut by measuring.
w, s = b[0], b[1]
print(f"{w},{s},{w + 0.0054},{s + 0.0036}")
PY
)
url="$base/ogc/collections/pasport-zelene/items?bbox=$bbox&limit=1000"
curl -fsS "$url" >/dev/null
echo "items page: $(curl -fsS "$url" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["numberReturned"], "returned of", d["numberMatched"], "matched")')"
for c in 1 8; do
  echo "== wrk, $c connection(s), $secs s"
  wrk -t "$(( c < 2 ? 1 : 2 ))" -c "$c" -d "${secs}s" --latency "$url" | grep -E "Requests/sec|99%|50%|Latency"
done
