#!/usr/bin/env bash
# The DB page's work alone, with no HTTP server (bench/db_body.py), RUNS times against a throwaway
# PostgreSQL seeded as bench/run.sh seeds it: the most pages per second any server of the DB page
# could answer on this machine. Run it under `flock /work/wt/bench.lock` and `unshare -n`.
#
#   bash bench/db-body.sh                 # BENCH_PYTHON (default /usr/bin/python3), RUNS=3, PAGES=6000
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
log() { echo "$*" >&2; }
BENCH_PYTHON=${BENCH_PYTHON:-/usr/bin/python3} PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin} DB_POOL=${DB_POOL:-8}
RAW=$(mktemp -d)
export DB_POOL
# shellcheck source=/dev/null
source "$ROOT/bench/lib/servers.sh"; source "$ROOT/bench/lib/postgres.sh"
trap 'pg_stop; rm -rf "$RAW"' EXIT
cd "$ROOT" && pg_start
for _ in $(seq 1 "${RUNS:-3}"); do "$BENCH_PYTHON" "$ROOT/bench/db_body.py"; done
