#!/usr/bin/env bash
# The whole test suite: unit and property tests of every crate, the OpenAPI
# snapshot, and the end-to-end API tests against real PostgreSQL (one fresh
# database per test, in parallel).
#
# With DATABASE_URL set (a role that may CREATE DATABASE), that server is
# used as is; otherwise the local PostgreSQL is started and prepared by
# scripts/db.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL="$(scripts/db.sh)"
fi
export DATABASE_URL

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --all-targets --no-fail-fast "$@"
  cargo test --workspace --doc --quiet
else
  cargo test --workspace --all-targets --no-fail-fast "$@"
fi
