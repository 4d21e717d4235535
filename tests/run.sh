#!/usr/bin/env bash
# The test command: installs what the tests need when it is missing
# (Chromium and chromedriver from Debian, axe-core from npm, pyshacl and
# jsonschema from PyPI), then runs the
# whole suite on SQLite and on PostgreSQL.
#
# PostgreSQL: TEST_DATABASE_URL if set, else the local server at
# 127.0.0.1:5432 (user postgres), in a fresh database made for this run.
# With CI=true a missing browser or database fails the run; otherwise the
# part that cannot run says so plainly.
set -euo pipefail
cd "$(dirname "$0")/.."
ci=false
case "${CI:-}" in true|1) ci=true ;; esac

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "!! ${missing[*]} missing and cannot be installed here (need root and apt-get)"
  fi
fi
# pyshacl validates the catalog against the DCAT-AP 3.0.1 shapes, which
# the test finds in ../shared/standards/dcat-ap-3.0.1 or $RADNICE_DCAT_AP_SHAPES.
# jsonschema validates the LKOD documents against the DCAT-AP-CZ schemas in
# ../shared/standards/dcat-ap-cz-2024-05-28 or $RADNICE_DCAT_AP_CZ.
# aiosmtpd is the SMTP sink the mail tests send to (a real SMTP server).
# pyproj computes the reference coordinates the S-JTSK reprojection is
# checked against; OWSLib is a real OGC API Features client, and
# frost-sta-client FROST's SensorThings client.
if ! command -v pyshacl >/dev/null || ! python3 -c "import jsonschema, referencing, aiosmtpd, pyproj, owslib, frost_sta_client" 2>/dev/null; then
  echo "== installing pyshacl, jsonschema, aiosmtpd, pyproj, OWSLib and frost-sta-client (PyPI)"
  if ! python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
      pyshacl==0.40.1 jsonschema==4.26.0 aiosmtpd==1.4.6 pyproj==3.7.1 OWSLib==0.32.0 \
      frost-sta-client==1.1.53; then
    # Under CI a missing tool fails the run here, not as a skipped test.
    [ "$ci" = true ] && { echo "!! a Python test tool could not be installed"; exit 1; }
    echo "!! a Python test tool could not be installed: its tests will say NOT RUN"
  fi
fi
if [ ! -f node_modules/axe-core/axe.min.js ]; then
  echo "== installing axe-core (npm)"
  npm install --no-package-lock --no-audit --no-fund --loglevel=error
fi

phase() { echo "== $1 took $(( $(date +%s) - $2 )) s"; }
# Both backends run whatever the first gave; the run fails at the end.
failed=()
logs=$(mktemp -d)
# Runs a test command, keeps its output for the summary, answers its status.
logged() {
  local log=$1; shift
  set +e
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}
# Tests that touch no backend-specific code run once, in their own phase:
# the browser walks, and the external validators of the documents (pyshacl,
# the official JSON Schemas; the national validator below).
once=(browser:: dcat::the_seed_catalog_conforms_to_the_dcat_ap_shapes
      dcat::the_lkod_documents_pass_the_official_schemas
      gis::owslib_reads_the_layers_as_a_gis_client_does
      sta::frost_sta_client_creates_reads_and_batch_creates
      gis::s_jtsk_is_turned_into_wgs84_as_pyproj_does_over_the_whole_republic)
skip_once=()
for t in "${once[@]}"; do skip_once+=(--skip "$t"); done
echo "== tests on SQLite"
t0=$(date +%s)
logged "$logs/sqlite.txt" env -u TEST_DATABASE_URL \
  cargo test --locked --no-fail-fast -- "${skip_once[@]}" || failed+=(SQLite)
phase "SQLite" "$t0"
echo "== browsers and document validators (once, on SQLite)"
t0=$(date +%s)
logged "$logs/once.txt" env -u TEST_DATABASE_URL \
  cargo test --locked --no-fail-fast --test it -- "${once[@]}" || failed+=("browsers and validators")
phase "browsers and document validators" "$t0"

pg_url="${TEST_DATABASE_URL:-}"
made_db=""
if [ -z "$pg_url" ]; then
  if command -v pg_isready >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 -q && [ "$(id -u)" = 0 ] \
     && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  if command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; then
    made_db="radnice_run_$$_$(date +%s)"
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE $made_db"
    trap 'psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $made_db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
    pg_url="postgres://postgres@127.0.0.1:5432/$made_db"
  fi
fi
if [ -n "$pg_url" ]; then
  echo "== tests on PostgreSQL"
  t0=$(date +%s)
  logged "$logs/postgres.txt" env TEST_DATABASE_URL="$pg_url" \
    cargo test --locked --no-fail-fast -- "${skip_once[@]}" || failed+=(PostgreSQL)
  phase "PostgreSQL" "$t0"
  # A failed test can leave its own database behind (its Drop never ran).
  if [ -n "$made_db" ]; then
    psql -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'radnice\_t\_%'" 2>/dev/null \
      | while read -r db; do psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
  fi
elif [ "$ci" = true ]; then
  echo "!! PostgreSQL is not reachable at 127.0.0.1:5432 and TEST_DATABASE_URL is not set"
  exit 1
else
  echo "!! NOT RUN on PostgreSQL: no server at 127.0.0.1:5432 and no TEST_DATABASE_URL"
fi
# The national validator reads documents, not the database: once, on SQLite.
echo "== national LKOD validator"
t0=$(date +%s)
if [ -f "${LKOD_VALIDATOR:-../shared/tools/lkod-validator}/package.json" ]; then
  bash tests/lkod-validator/run.sh || failed+=("the national LKOD validator")
elif [ "$ci" = true ]; then
  failed+=("the national LKOD validator (no source in ../shared/tools/lkod-validator)")
else
  echo "!! NOT RUN: the national LKOD validator (no ../shared/tools/lkod-validator)"
fi
phase "national validator" "$t0"

# What did not run is said once more at the end, where it is read.
not_run=$(cat "$logs"/*.txt 2>/dev/null | grep -h 'NOT RUN' | sort -u || true)
rm -rf "$logs"
if [ -n "$not_run" ]; then
  echo "== NOT RUN (a missing tool; under CI each of these fails instead):"
  echo "$not_run"
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "!! tests failed on: ${failed[*]}"
  exit 1
fi
