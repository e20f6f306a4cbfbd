#!/usr/bin/env bash
# Fuzzes the service against its own OpenAPI document with schemathesis (not
# run in CI; see docs/fuzzing.md).
#
# Builds the release binary, creates a fresh database owned by the project's
# role, starts `clientele serve` on a free port with an admin key, runs
# schemathesis against /openapi.json with that key, then stops the service
# and drops the database. Requires the same PostgreSQL as the tests
# (scripts/db.sh) and python3 with venv; schemathesis is installed from PyPI
# into target/fuzz-venv, at the pinned version.
#
#   scripts/fuzz.sh                      # 250 examples per operation
#   FUZZ_EXAMPLES=50 scripts/fuzz.sh     # a quick round
#   FUZZ_SEED=42 scripts/fuzz.sh         # reproduce a run
#
# `DELETE /v1/api-keys/{id}` is left out: schemathesis takes ids from earlier
# answers (GET /v1/api-keys lists the run's own key) and would revoke the
# key it runs with, leaving the rest of the run 401s. tests/api covers it.
#
# Checks: not_a_server_error, status_code_conformance,
# content_type_conformance, response_schema_conformance. Exits non-zero if
# schemathesis found a failure or the service answered any 5xx. The
# service's log and schemathesis' reports stay in target/fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION="4.32.5"
EXAMPLES="${FUZZ_EXAMPLES:-250}"
WORKERS="${FUZZ_WORKERS:-2}"
TARGET="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
OUT="$TARGET/fuzz"
VENV="$TARGET/fuzz-venv"

admin_url="$(scripts/db.sh)"
base="${admin_url%/*}"
database="clientele_fuzz_$(date +%s)_$$"
db_url="$base/$database?sslmode=disable"
mkdir -p "$OUT"

echo "building the release binary ..." >&2
cargo build --release -p clientele-cli
bin="$TARGET/release/clientele"

if [ ! -x "$VENV/bin/schemathesis" ] || [ "$("$VENV/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $SCHEMATHESIS_VERSION" ]; then
  echo "installing schemathesis $SCHEMATHESIS_VERSION into $VENV ..." >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  psql "$admin_url" -qAtX -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null || true
}
trap cleanup EXIT

psql "$admin_url" -qAtX -c "CREATE DATABASE \"$database\""
export DATABASE_URL="$db_url" CLIENTELE_BIND="127.0.0.1:$port" CLIENTELE_JOB_INTERVAL_S=0 RUST_LOG=info
"$bin" migrate >/dev/null
token="$("$bin" create-key --role admin --name fuzz | tail -n 1)"
case "$token" in clt_*) ;; *) echo "create-key printed no token" >&2; exit 1 ;; esac

"$bin" serve >"$OUT/service.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.1
done

set +e
# From $OUT: schemathesis keeps a cache in .schemathesis/ of its working directory.
(cd "$OUT" && "$VENV/bin/schemathesis" run "http://127.0.0.1:$port/openapi.json" \
  --header "Authorization: Bearer $token" --generation-with-security-parameters false \
  --exclude-operation-id revoke \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$EXAMPLES" --workers "$WORKERS" ${FUZZ_SEED:+--seed "$FUZZ_SEED"} \
  --phases examples,coverage,fuzzing --continue-on-failure --no-color --generation-database "$OUT/examples" \
  --report junit,ndjson --report-dir "$OUT") | tee "$OUT/schemathesis.txt"
status=${PIPESTATUS[0]}
set -e

requests="$(grep -c 'request completed status=' "$OUT/service.log" || true)"
server_errors="$(grep -c 'request completed status=5' "$OUT/service.log" || true)"
echo "requests served: $requests; server errors: $server_errors; schemathesis exit: $status" | tee "$OUT/summary.txt"
if [ "$server_errors" != 0 ]; then
  grep -B3 'request completed status=5' "$OUT/service.log" | head -n 40 >&2
fi
[ "$status" = 0 ] && [ "$server_errors" = 0 ]
