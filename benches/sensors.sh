#!/usr/bin/env bash
# Figures of the sensors, on a release build and SQLite (or PostgreSQL with
# --postgres URL), loopback only:
#   - HTTP batch ingestion: OBS observations (default 10,000,000) of ten
#     datastreams, one a minute, in CSV batches of 1,000, sent over one
#     keep-alive connection (observations/s over the whole load)
#   - SensorThings on that store: page 5,000 of a datastream's
#     Observations, reached through the next links (its $skiptoken), and a
#     datastream's $count=true, unfiltered and for one month (wrk, one
#     connection, latency p50 and p99)
# Usage: bash benches/sensors.sh [--postgres URL] [observations=10000000] [seconds=10]
# Needs wrk, curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
pg=""
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) pg=$2; shift 2 ;;
    *) break ;;
  esac
done
total="${1:-10000000}"
secs="${2:-10}"
port="${RADNICE_BENCH_PORT:-18185}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
cargo build --release --quiet
bin=target/release/radnice
data=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
export RADNICE_DATA_DIR="$data" RADNICE_SEED_DIR=catalog
if [ -n "$pg" ]; then export DATABASE_URL="$pg"; else unset DATABASE_URL || true; fi
base="http://127.0.0.1:$port"
export RADNICE_BASE_URL="$base"
"$bin" serve --bind "127.0.0.1:$port" >"$data/server.log" 2>&1 &
pid=$!
until curl -fs "$base/healthz" >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$data/server.log"; exit 1; }
  sleep 0.05
done
echo 'a-long-bench-password' | "$bin" user add bench@example.cz --role curator \
  --publisher statutarni-mesto-chomutov --password-stdin >/dev/null
token=$("$bin" token create bench@example.cz --name bench | tail -1)

echo "== $total observations of ten datastreams, batches of 1,000, over HTTP"
python3 - "$base" "$token" "$total" <<'PY'
import http.client, json, sys, time, urllib.parse
base, token, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlparse(base)
c = http.client.HTTPConnection(u.hostname, u.port)
def call(method, path, body, kind):
    global c
    headers = {"Authorization": f"Bearer {token}", "Content-Type": kind}
    try:
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
    except (BrokenPipeError, http.client.RemoteDisconnected, ConnectionResetError):
        # The server closed an idle keep-alive connection: a new one.
        c = http.client.HTTPConnection(u.hostname, u.port)
        c.request(method, path, body=body, headers=headers)
        r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        sys.exit(f"{method} {path}: {r.status} {data[:300]}")
    return data
ids = []
for s in range(10):
    thing = {"name": f"Stanice {s}", "description": "Měřicí stanice",
             "Locations": [{"name": f"Místo {s}", "encodingType": "application/geo+json",
                            "location": {"type": "Point", "coordinates": [13.40 + s / 100, 50.46]}}],
             "Datastreams": [{"name": "PM10", "description": "PM10",
                              "unitOfMeasurement": {"name": "mikrogram na metr krychlový", "symbol": "µg/m³",
                                                    "definition": "http://unitsofmeasure.org/ucum.html"},
                              "Sensor": {"name": "Prachoměr", "encodingType": "text/plain", "metadata": ""},
                              "ObservedProperty": {"name": "PM10",
                                                   "definition": "http://dd.eionet.europa.eu/vocabulary/aq/pollutant/5"}}]}
    call("POST", "/sta/v1.1/Things", json.dumps(thing), "application/json")
    c.request("GET", f"/sta/v1.1/Things?$filter=name%20eq%20'Stanice%20{s}'&$expand=Datastreams")
    ids.append(json.loads(c.getresponse().read())["value"][0]["Datastreams"][0]["@iot.id"])
per = total // len(ids)
start = 1_577_836_800  # 2020-01-01T00:00:00Z, one a minute
# The bodies are made first: the figure is the server's, not this script's.
bodies = []
for d in ids:
    for b in range(0, per, 1000):
        rows = [f"{d},{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(start + 60 * i))},{(i * 7) % 300 / 3:.2f}"
                for i in range(b, min(b + 1000, per))]
        bodies.append(("datastream,time,value\n" + "\n".join(rows)).encode())
c = http.client.HTTPConnection(u.hostname, u.port)
t0 = time.time()
accepted = 0
for body in bodies:
    accepted += json.loads(call("POST", "/api/v1/observations", body, "text/csv"))["accepted"]
dt = time.time() - t0
print(f"ingestion: {accepted} accepted in {dt:.1f} s: {accepted / dt:,.0f} observations/s")
with open("/tmp/radnice-bench-sensors.json", "w") as f:
    json.dump({"ids": ids, "per": per, "start": start}, f)
PY
read -r ds per start < <(python3 -c "import json; j = json.load(open('/tmp/radnice-bench-sensors.json')); print(j['ids'][4], j['per'], j['start'])")
rm -f /tmp/radnice-bench-sensors.json

# Page 5,000 of 100: its next link carries the key of row 500,000.
row=500000
if [ "$per" -lt 500100 ]; then row=$(( per / 2 )); fi
t=$(( (start + 60 * (row - 1)) * 1000000 ))
page="$base/sta/v1.1/Datastreams($ds)/Observations?\$top=100&\$skiptoken=$ds.$t"
first=$(curl -fsS "$page" | python3 -c "import sys, json; v = json.load(sys.stdin)['value']; print(len(v), v[0]['phenomenonTime'])")
echo "the page after row $row of datastream $ds: $first"
count="$base/sta/v1.1/Datastreams($ds)/Observations?\$count=true&\$top=0"
month="$count&\$filter=phenomenonTime%20ge%202020-03-01T00:00:00Z%20and%20phenomenonTime%20lt%202020-04-01T00:00:00Z"
echo "counts: $(curl -fsS "$count" | head -c 60) / a month: $(curl -fsS "$month" | head -c 60)"
for what in page count month; do
  url=${!what}
  echo "== $what: wrk, one connection, ${secs} s"
  wrk -t1 -c1 -d"${secs}s" --latency "$url" | grep -E "Requests/sec|50%|99%"
done
