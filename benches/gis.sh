#!/usr/bin/env bash
# Figures of GIS layers, on a release build and SQLite (or PostgreSQL with
# --postgres URL), loopback only:
#   - the import of a layer of N points in S-JTSK (a CSV with X and Y, as
#     a surveyor's export has it): read, reprojected, checked, exported as
#     GeoJSON and CSV, stored, published
#   - OGC API Features: an items page of about 1,000 features by bbox on
#     that layer (wrk, one connection and eight, p99)
#   - the peer, in the same run: pygeoapi 0.21 on PostGIS (Debian's
#     postgresql-15-postgis-3, gunicorn with 2 workers) serving the same
#     features (read back from the portal's OGC API) for the same page
#     and box; --no-peer leaves it out
# Usage: bash benches/gis.sh [--postgres URL] [--no-peer] [points=100000] [seconds=10]
# Needs wrk, curl and python3; the peer needs root (apt-get), PyPI and a
# PostgreSQL 15 at RADNICE_BENCH_PEER_PG (default postgres@127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
pg=""
peer=1
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) pg=$2; shift 2 ;;
    --no-peer) peer=0; shift ;;
    *) break ;;
  esac
done
points="${1:-100000}"
secs="${2:-10}"
port="${RADNICE_BENCH_PORT:-18184}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
cargo build --release --quiet
bin=target/release/radnice
data=$(mktemp -d)
work=$(mktemp -d)
peer_pid=""
trap 'kill "$pid" $peer_pid 2>/dev/null || true; rm -rf "$data" "$work"' EXIT
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

[ "$peer" = 1 ] || exit 0

echo "== the peer: pygeoapi 0.21 on PostGIS, the same $points features"
peer_pg="${RADNICE_BENCH_PEER_PG:-host=127.0.0.1 port=5432 user=postgres}"
peer_db=radnice_bench_gis
peer_port=$(( port + 1 ))
if ! [ -e /usr/share/postgresql/15/extension/postgis.control ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15-postgis-3 >/dev/null
fi
# pygeoapi 0.22 and later need Python 3.12 (0.24 uses its f-string
# syntax); Debian 12 has 3.11 and no registry here has a 3.12, so the peer
# is 0.21.0, the last release for 3.11, with the same PostgreSQL provider.
# pyproj and rasterio are pinned to releases with 3.11 wheels.
venv=target/bench-pygeoapi
if ! [ -x "$venv/bin/gunicorn" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --only-binary ':all:' \
    'pygeoapi==0.21.0' 'pyproj==3.7.1' 'rasterio==1.4.3' geoalchemy2 psycopg2-binary gunicorn
fi
psql "$peer_pg dbname=postgres" -q -c "DROP DATABASE IF EXISTS $peer_db" -c "CREATE DATABASE $peer_db"
psql "$peer_pg dbname=$peer_db" -q -c "CREATE EXTENSION postgis" \
  -c "CREATE TABLE body (id text PRIMARY KEY, druh text, vyska_m integer, geom geometry(Point, 4326))"
# The portal's own features, page by page, as the peer's rows.
python3 - "$base/ogc/collections/pasport-zelene/items" >"$work/peer.tsv" <<'PY'
import json, sys, urllib.request
url = sys.argv[1]
offset = 0
while True:
    with urllib.request.urlopen(f"{url}?limit=10000&offset={offset}") as r:
        page = json.load(r)
    for f in page["features"]:
        p = f["properties"]; x, y = f["geometry"]["coordinates"]
        print(f'{p["id"]}\t{p["druh"]}\t{p["vyska_m"]}\tSRID=4326;POINT({x} {y})')
    offset += page["numberReturned"]
    if page["numberReturned"] == 0 or offset >= page["numberMatched"]:
        break
PY
psql "$peer_pg dbname=$peer_db" -q -c "\\copy body FROM '$work/peer.tsv'" \
  -c "CREATE INDEX body_geom ON body USING gist (geom)" -c "ANALYZE body"
echo "peer rows: $(psql "$peer_pg dbname=$peer_db" -Atc 'SELECT count(*) FROM body')"
cat >"$work/pygeoapi.yml" <<YML
server:
  bind: {host: 127.0.0.1, port: $peer_port}
  url: http://127.0.0.1:$peer_port
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  language: en-US
  limits: {default_items: 10, max_items: 10000}
  map: {url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png", attribution: OpenStreetMap}
logging: {level: ERROR}
metadata:
  identification:
    title: bench
    description: bench
    keywords: [bench]
    keywords_type: theme
    terms_of_service: "https://creativecommons.org/publicdomain/zero/1.0/"
    url: "https://example.org"
  license: {name: CC0, url: "https://creativecommons.org/publicdomain/zero/1.0/"}
  provider: {name: bench, url: "https://example.org"}
  contact:
    name: bench
    position: bench
    address: bench
    city: bench
    stateorprovince: bench
    postalcode: "00000"
    country: CZ
    phone: "+420000000000"
    fax: "+420000000000"
    email: bench@example.org
    url: "https://example.org"
    hours: "0-24"
    instructions: bench
    role: pointOfContact
resources:
  body:
    type: collection
    title: body
    description: the benchmark's points
    keywords: [body]
    extents:
      spatial: {bbox: [-180, -90, 180, 90], crs: "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
    providers:
      - type: feature
        name: PostgreSQL
        data: {host: 127.0.0.1, port: 5432, dbname: $peer_db, user: postgres, search_path: [public]}
        id_field: id
        table: body
        geom_field: geom
YML
export PYGEOAPI_CONFIG="$work/pygeoapi.yml" PYGEOAPI_OPENAPI="$work/openapi.yml"
"$venv/bin/pygeoapi" openapi generate "$PYGEOAPI_CONFIG" --output-file "$PYGEOAPI_OPENAPI" >/dev/null
"$venv/bin/gunicorn" -w 2 -b "127.0.0.1:$peer_port" pygeoapi.flask_app:APP >"$work/peer.log" 2>&1 &
peer_pid=$!
until curl -fs "http://127.0.0.1:$peer_port/collections/body" >/dev/null 2>&1; do
  kill -0 "$peer_pid" 2>/dev/null || { cat "$work/peer.log"; exit 1; }
  sleep 0.2
done
peer_url="http://127.0.0.1:$peer_port/collections/body/items?f=json&bbox=$bbox&limit=1000"
echo "peer items page: $(curl -fsS "$peer_url" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["numberReturned"], "returned of", d.get("numberMatched"), "matched")')"
for c in 1 8; do
  echo "== peer, wrk, $c connection(s), $secs s"
  wrk -t "$(( c < 2 ? 1 : 2 ))" -c "$c" -d "${secs}s" --latency "$peer_url" | grep -E "Requests/sec|99%|50%|Latency"
done
