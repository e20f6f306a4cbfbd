#!/usr/bin/env bash
# Runs the benchmarks of docs/benchmarks.md end to end: builds in release
# mode, then `bench_ingest` creates its own databases (clientele_bench_http_<pid>,
# clientele_bench_import_<pid>), drives `clientele serve` / `clientele import`,
# runs pgbench and psql \copy beside them, prints the figures and drops the
# databases. With --read first, `bench_read` instead: a demo database
# (clientele_bench_read_<pid>, a million members by default: ~12 min to load),
# per-member reads over HTTP, each beside pgbench reading the same rows. With
# --campaigns first, `bench_campaigns`: the campaign dry run over a demo
# database (a million members by default), three audiences timed. With
# --clienteling first, `bench_clienteling`: the affinity count and the
# worklists' build, then worklist and suggestion reads under load, over a
# demo database (a million members with ten orders each by default). With
# --kpis first, `bench_kpis`: the store KPIs of a quarter over a demo
# database (a million members, ten orders each by default): all stores, the
# busiest and a middling store, an associate.
# Needs a role with CREATEDB: without DATABASE_URL, scripts/db.sh starts and
# prepares the local PostgreSQL as for the tests.
#
#   scripts/bench.sh [--clients 16] [--seconds 20] [--members 2000] [--csv-orders 100000] [--only http|validate|import] [--database NAME]
#   scripts/bench.sh --read [--members 1000000] [--clients 50] [--seconds 20] [--only customer|loyalty|orders|timeline|value|lookup] [--keep] [--database NAME]
#   scripts/bench.sh --campaigns [--members 1000000] [--runs 5] [--database NAME] [--keep] [--results-only]   # dry runs, launches, results
#   scripts/bench.sh --clienteling [--members 1000000] [--orders-per-customer 10] [--clients 16] [--seconds 20] [--database NAME] [--keep]
#   scripts/bench.sh --kpis [--members 1000000] [--orders-per-customer 10] [--runs 5] [--from D --to D] [--database NAME] [--keep]
#   scripts/bench.sh [--read|--campaigns|--clienteling|--kpis] --tiny    # CI: seconds with the test build; fails if any step fails, asserts no figure
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL="$(scripts/db.sh)"
fi
# pgbench and psql read the password from the URL; make it available to both.
export DATABASE_URL

bench=bench_ingest
if [ "${1:-}" = --read ]; then
  bench=bench_read
  shift
elif [ "${1:-}" = --campaigns ]; then
  bench=bench_campaigns
  shift
elif [ "${1:-}" = --clienteling ]; then
  bench=bench_clienteling
  shift
elif [ "${1:-}" = --kpis ]; then
  bench=bench_kpis
  shift
fi
profile=release
for arg in "$@"; do [ "$arg" = --tiny ] && profile=debug; done
if [ "$profile" = debug ]; then
  # The test command's build (same flags): nothing to rebuild after the tests.
  cargo build --workspace --all-targets --quiet
else
  cargo build --release -p clientele-cli -p clientele-bench --bins
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, $(psql --version), $(rustc --version), $profile build"
target="${CARGO_TARGET_DIR:-target}"
exec "$target/$profile/$bench" --bin "$target/$profile/clientele" "$@"
