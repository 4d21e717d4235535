#!/usr/bin/env bash
# Figures of stored files, on a release build and SQLite (or PostgreSQL with
# --postgres URL), loopback only:
#   - a 1 GB file: upload time, download throughput with curl (no
#     compression) against `cat FILE > /dev/null` on the same file in the
#     same run, and the server's RSS before, during and after (flat memory)
#   - a 1,000,000-row CSV: upload with its import into a table, then the
#     table API's first page, a filter on one column and a sort (wrk, one
#     connection, p99)
# Usage: bash benches/files.sh [--postgres URL] [megabytes=1024] [rows=1000000] [seconds=10]
# Needs wrk and curl (apt-get install wrk curl).
set -euo pipefail
cd "$(dirname "$0")/.."
pg=""
if [ "${1:-}" = "--postgres" ]; then pg=$2; shift 2; fi
mb="${1:-1024}"
rows="${2:-1000000}"
secs="${3:-10}"
port="${RADNICE_BENCH_PORT:-18183}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
cargo build --release --quiet
bin=target/release/radnice
data=$(mktemp -d)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$data" "$work"' EXIT
export RADNICE_DATA_DIR="$data" RADNICE_SEED_DIR=catalog
export RADNICE_FILE_LIMIT=$(( (mb + 64) * 1024 * 1024 ))
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
rss() { echo $(( $(ps -o rss= -p "$pid") / 1024 )); }
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

echo "== a ${mb} MB file"
head -c "$(( mb * 1024 * 1024 ))" /dev/urandom >"$work/big.bin"
echo "server RSS before: $(rss) MB"
t0=$(now)
curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/octet-stream' \
  -T "$work/big.bin" "$base/api/v1/datasets/uzemni-plan/distributions/upload?name=big.bin" >"$work/up.json"
t1=$(now)
echo "upload (streamed, hashed, fsynced): $(ms "$t0" "$t1") ms; server RSS after: $(rss) MB"
url=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['download_url'])" "$work/up.json")
# Warm both: the page cache holds the file for cat and for the server alike.
cat "$work/big.bin" >/dev/null
curl -fsS -o /dev/null "$url"
best_cat=0; best_curl=0; peak=0
for i in 1 2 3; do
  t0=$(now); cat "$work/big.bin" >/dev/null; t1=$(now)
  c=$(( mb * 1000000000 / (t1 - t0 + 1) ))
  [ "$c" -gt "$best_cat" ] && best_cat=$c
  ( while kill -0 "$pid" 2>/dev/null; do rss >>"$work/rss.txt"; sleep 0.1; done ) &
  sampler=$!
  t0=$(now); curl -fsS -o /dev/null "$url"; t1=$(now)
  kill "$sampler" 2>/dev/null || true
  d=$(( mb * 1000000000 / (t1 - t0 + 1) ))
  [ "$d" -gt "$best_curl" ] && best_curl=$d
  echo "run $i: cat $c MB/s, curl $d MB/s"
done
peak=$(sort -n "$work/rss.txt" | tail -1)
echo "best: cat $best_cat MB/s, download $best_curl MB/s: $(( 100 * best_curl / best_cat )) % of cat"
# The ceiling of curl over loopback on this machine: the kernel's sendfile
# behind a minimal HTTP answer, the same file, the same run.
sf_port=$(( port + 1 ))
python3 - "$work/big.bin" "$sf_port" <<'PY' &
import os, socket, sys
path, port = sys.argv[1], int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(4)
size = os.path.getsize(path)
for _ in range(4):
    c, _ = s.accept()
    c.recv(65536)
    c.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n".encode())
    with open(path, "rb") as f:
        off = 0
        while off < size:
            off += os.sendfile(c.fileno(), f.fileno(), off, size - off)
    c.close()
PY
sleep 1
best_sf=0
for i in 1 2 3 4; do
  t0=$(now); curl -fsS -o /dev/null "http://127.0.0.1:$sf_port/"; t1=$(now)
  d=$(( mb * 1000000000 / (t1 - t0 + 1) ))
  [ "$i" -gt 1 ] && [ "$d" -gt "$best_sf" ] && best_sf=$d
done
echo "the same file by the kernel's sendfile (the ceiling of curl over loopback here): $best_sf MB/s; the portal's download is $(( 100 * best_curl / best_sf )) % of it"
echo "server RSS during the downloads: at most $peak MB; after: $(rss) MB"
rm -f "$work/big.bin"

echo "== a CSV of $rows rows"
python3 - "$rows" >"$work/table.csv" <<'EOF'
import random, sys
random.seed(1)
n = int(sys.argv[1])
streets = ["Zahradní", "Kadaňská", "Husova", "Palackého", "Blatenská", "Jiráskova", "Školní pěšina"]
w = sys.stdout.write
w("id;ulice;číslo;plocha;datum;poznámka\n")
for i in range(1, n + 1):
    area = str(random.randint(1, 99999) / 100).replace(".", ",")
    day = f"{random.randint(1, 28)}. {random.randint(1, 12)}. {random.randint(2015, 2026)}"
    w(f"{i};{random.choice(streets)};{random.randint(1, 200)};{area};{day};řádek {i}\n")
EOF
echo "CSV: $(( $(stat -c %s "$work/table.csv") / 1024 / 1024 )) MB"
t0=$(now)
curl -fsS -X POST -H "Authorization: Bearer $token" -H 'Content-Type: text/csv' \
  -T "$work/table.csv" "$base/api/v1/datasets/parkoviste/distributions/upload?name=table.csv" >"$work/t.json"
t1=$(now)
echo "upload with its import into a table: $(ms "$t0" "$t1") ms; server RSS after: $(rss) MB"
id=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$work/t.json")
one() {
  local label=$1 path=$2
  wrk -t1 -c1 -d"${secs}s" --latency "$base$path" >"$work/wrk.txt"
  echo "$label: $(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt") req/s, p50 $(awk '$1 == "50%" {print $2}' "$work/wrk.txt"), p99 $(awk '$1 == "99%" {print $2}' "$work/wrk.txt")"
}
one "first page (100 rows)" "/api/v1/tables/$id"
one "filter on one column (ulice=Husova), first page and its total" "/api/v1/tables/$id?filter%5Bulice%5D=Husova"
one "filter on a number (číslo=17)" "/api/v1/tables/$id?filter%5B%C4%8D%C3%ADslo%5D=17"
one "sorted by plocha, descending" "/api/v1/tables/$id?sort=-plocha"
one "search over every cell (q=Husova)" "/api/v1/tables/$id?q=husova"
one "preview page" "/datasets/parkoviste/distributions/$id/preview"
