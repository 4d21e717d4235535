#!/usr/bin/env bash
# Runs the national LKOD validator (datagov-cz/lkod-validator, the check NKOD
# asks a local catalog to pass) on this server's catalog: the seed catalog,
# plus one dataset given a file distribution with a schema and a
# data-service distribution through the API. Fails when the validator
# reports any error (warnings are printed). Offline: the DCAT-AP-CZ context
# is read from the standard's folder, the catalog's IRIs go to the local
# server, and any other outgoing fetch is refused (offline.cjs).
#   LKOD_VALIDATOR  the validator's source; default ../shared/tools/lkod-validator,
#                   copied to target/lkod-validator (../shared is read-only),
#                   where `npm ci` runs once and node_modules is kept
#   OFN_CONTEXT     the DCAT-AP-CZ 2024-05-28 JSON-LD context; default from
#                   ../shared/standards/dcat-ap-cz-2024-05-28/kontexty/
# Usage: bash tests/lkod-validator/run.sh   (.ci/run calls it)
set -euo pipefail
cd "$(dirname "$0")/../.."
source_dir="${LKOD_VALIDATOR:-../shared/tools/lkod-validator}"
OFN_CONTEXT="${OFN_CONTEXT:-../shared/standards/dcat-ap-cz-2024-05-28/kontexty/rozhraní-katalogů-otevřených-dat.jsonld}"
[ -f "$source_dir/package.json" ] || { echo "!! no lkod-validator source in $source_dir"; exit 1; }
[ -f "$OFN_CONTEXT" ] || { echo "!! no DCAT-AP-CZ context at $OFN_CONTEXT"; exit 1; }
OFN_CONTEXT="$(cd "$(dirname "$OFN_CONTEXT")" && pwd)/$(basename "$OFN_CONTEXT")"
LKOD_VALIDATOR="$(pwd)/target/lkod-validator"
mkdir -p "$LKOD_VALIDATOR"
# The source is copied afresh; node_modules stays while the lock file does.
if ! cmp -s "$source_dir/package-lock.json" "$LKOD_VALIDATOR/package-lock.json"; then
  rm -rf "$LKOD_VALIDATOR/node_modules"
fi
(cd "$source_dir" && tar --exclude=node_modules -cf - .) | (cd "$LKOD_VALIDATOR" && tar -xf -)
chmod -R u+w "$LKOD_VALIDATOR"
export LKOD_VALIDATOR OFN_CONTEXT
port="${RADNICE_LKOD_PORT:-18190}"
base=https://data.example.cz
here="$(pwd)/tests/lkod-validator"

# The validator checks documents, not speed: the debug build that the tests
# built already serves.
cargo build --quiet
bin=target/debug/radnice
data=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$data"' EXIT
export RADNICE_BASE_URL=$base
unset DATABASE_URL

RADNICE_SEED_DIR=catalog "$bin" serve --bind "127.0.0.1:$port" --data-dir "$data" >"$data/server.log" 2>&1 &
pid=$!
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { cat "$data/server.log"; exit 1; }
  sleep 0.2
done

echo "lkod-validator-only-$$" | "$bin" --data-dir "$data" user add --role admin --password-stdin lkod@example.cz >/dev/null
token=$("$bin" --data-dir "$data" token create --name lkod-validator lkod@example.cz | tail -n 1)
python3 - "$port" "$token" <<'PY'
import json, sys, urllib.request
port, token = sys.argv[1], sys.argv[2]
url = f"http://127.0.0.1:{port}/api/v1/datasets/kvalita-ovzdusi-pm10"
d = json.load(urllib.request.urlopen(url))
# What the API reads it takes back (the read-only fields are ignored).
body = d
cc_by = "https://creativecommons.org/licenses/by/4.0/"
terms = {
    "author_work": cc_by,
    "db_author_work": "https://data.gov.cz/podmínky-užití/není-autorskoprávně-chráněnou-databází/",
    "db_sui_generis": "https://data.gov.cz/podmínky-užití/není-chráněna-zvláštním-právem-pořizovatele-databáze/",
    "personal_data": "https://data.gov.cz/podmínky-užití/neobsahuje-osobní-údaje/",
}
file_type = "http://publications.europa.eu/resource/authority/file-type/"
body["distributions"] = [
    {"title_cs": "Hodinové hodnoty PM10 (CSV)", "download_url": "https://data.example.cz/soubory/pm10.csv",
     "format": file_type + "CSV", "byte_size": 123456, "licence": cc_by, "terms": terms,
     "conforms_to": "https://data.example.cz/schemata/pm10.csv-metadata.json"},
    {"title_cs": "Měření v reálném čase (SensorThings API)", "format": file_type + "JSON",
     "licence": cc_by, "terms": terms,
     "service_endpoint_url": "https://data.example.cz/sta/v1.1",
     "service_description_url": "https://data.example.cz/sta/v1.1/api",
     "service_conforms_to": "https://docs.ogc.org/is/18-088/18-088.html"},
]
req = urllib.request.Request(url, data=json.dumps(body).encode(), method="PUT",
                             headers={"Content-Type": "application/json",
                                      "Authorization": f"Bearer {token}"})
urllib.request.urlopen(req)
PY

if [ ! -d "$LKOD_VALIDATOR/node_modules" ]; then
  (cd "$LKOD_VALIDATOR" && npm ci --no-audit --no-fund --loglevel=error)
fi
report="$data/report.json"
(cd "$LKOD_VALIDATOR" && NODE_OPTIONS="--require $here/offline.cjs" \
  LKOD_REWRITE="$base/=>http://127.0.0.1:$port/" \
  npm run --silent validate:debug "http://127.0.0.1:$port/catalog") 2>/dev/null \
  | sed -n '/^{/,$p' >"$report"
python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
errors = []
if r.get("loadingFailure"):
    errors.append(f"loading failed: {r['loadingFailure']}")
if s["isInvalidByShacl"] or s["isInvalidByJsonSchema"]:
    errors.append("the catalog fails its SHACL shapes or JSON Schema")
errors += [f"resource with error: {x}" for x in s["resourcesWithError"]]
errors += [f"dataset with error: {x}" for x in s["datasetsWithError"]]
for entry in r["datasets"]:
    if entry.get("validByDatasetJsonSchema") is False:
        errors.append(f"{entry['accessUrl']}: {entry['datasetJsonSchemaErrors']}")
    for d in entry["datasets"]:
        for issue in d["issues"] + [i for x in d["distributions"] for i in x["issues"]]:
            line = f"{issue['level']}: {issue['payload']} {d['iri']}"
            (errors.append(line) if issue["level"] == "error" else print(line))
print(f"{len(s['allFoundDatasets'])} datasets validated, "
      f"{len(s['datasetsWithOnlyWarning'])} with warnings only")
if errors:
    print("\n".join(errors))
    sys.exit(1)
print("lkod-validator: no errors")
PY
