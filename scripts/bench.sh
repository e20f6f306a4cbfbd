#!/usr/bin/env bash
# Runs the benchmarks of docs/benchmarks.md end to end: builds in release
# mode, then `bench_ingest` creates its own databases (clientele_bench_http,
# clientele_bench_import), drives `clientele serve` / `clientele import`,
# runs pgbench and psql \copy beside them, prints the figures and drops the
# databases. Needs a role with CREATEDB (scripts/db.sh makes one).
#
#   scripts/bench.sh [--clients 16] [--seconds 20] [--members 2000] [--csv-orders 100000] [--only http|import]
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgres://clientele:clientele@127.0.0.1:5432/clientele}"
# pgbench and psql read the password from the URL; make it available to both.
cargo build --release -p clientele-api -p clientele-bench --bins
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, $(psql --version), $(rustc --version)"
exec target/release/bench_ingest --bin target/release/clientele "$@"
