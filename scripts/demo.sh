#!/usr/bin/env bash
# Starts Clientele with demo data on a fresh machine: starts the local
# PostgreSQL if it is stopped, creates the role and database, builds,
# migrates, loads demo stores / associates / customers with orders (once),
# takes two segment snapshots, builds the associates' worklists, creates an
# admin key, prints it with the URL of the API viewer, and serves.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL="$(scripts/db.sh)"
fi
export DATABASE_URL
export CLIENTELE_BIND="${CLIENTELE_BIND:-127.0.0.1:8080}"

# Same flags as the test command, so the two share one build.
cargo build --workspace --all-targets --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/clientele"

"$bin" migrate >&2
"$bin" demo --customers "${DEMO_CUSTOMERS:-300}" >&2
# RFM segments and customer value: two snapshots a quarter apart, so the
# moves between segments show as well (GET /v1/segments/transitions).
"$bin" refresh-segments --as-of "$(date -u -d '92 days ago' +%F)" >&2
"$bin" refresh-segments --as-of "$(date -u -d 'yesterday' +%F)" >&2
# With both snapshots, today's worklists again (top clients who moved into
# At Risk show), and the next-best-product affinity.
"$bin" run-clienteling >&2
token="$("$bin" create-key --role admin --name "demo admin" 2>/dev/null)"

cat <<MSG

  Clientele is starting on http://$CLIENTELE_BIND

  API viewer:  http://$CLIENTELE_BIND/docs   (click Authorize, paste the key)
  Admin key:   $token

  Try:  curl -H "Authorization: Bearer $token" http://$CLIENTELE_BIND/v1/customers?limit=5
        curl -H "Authorization: Bearer $token" http://$CLIENTELE_BIND/v1/segments
        curl -H "Authorization: Bearer $token" http://$CLIENTELE_BIND/v1/analytics/top-customers?limit=10

MSG
exec "$bin" serve
