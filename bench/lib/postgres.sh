# shellcheck shell=bash
# A throwaway PostgreSQL cluster for the DB workload. Sourced by bench/run.sh, which defines log,
# free_port (servers.sh), RAW and the settings used here (PG_BIN, BENCH_PYTHON, DB_POOL).

# It lives in a temp dir, listens on a free loopback port, is seeded with the users table
# (bench/apps/workloads.py seed-sql) and is stopped by its own pg_ctl. initdb refuses
# to run as root, so as root the cluster belongs to the `postgres` user (Debian's packages create
# it) or else `nobody`. No system service is touched.
PG_DIR="" PG_PID="" PG_AS=()
pg_start() {
    local owner port data
    if (( $(id -u) == 0 )); then
        owner=postgres; id -u "$owner" >/dev/null 2>&1 || owner=nobody
        PG_AS=(runuser -u "$owner" --)
    fi
    PG_DIR=$(mktemp -d /tmp/robyn-bench-pg.XXXXXX)
    chmod 700 "$PG_DIR"
    (( ${#PG_AS[@]} == 0 )) || chown "$owner" "$PG_DIR"
    data=$PG_DIR/data
    port=$(free_port)
    log "starting PostgreSQL in $PG_DIR on 127.0.0.1:$port${owner:+ (as $owner)}"
    "${PG_AS[@]}" "$PG_BIN/initdb" -D "$data" -U bench --auth=trust --encoding=UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; return 1; }
    # Durability off: the data is thrown away, and the workload only reads.
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" start -D "$data" -w -t 60 -l "$PG_DIR/server.log" \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c timezone=UTC" >/dev/null \
        || { cat "$PG_DIR/server.log" >&2; return 1; }
    PG_PID=$(head -1 "$data/postmaster.pid")
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U bench bench
    "$BENCH_PYTHON" bench/apps/workloads.py seed-sql \
        | "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U bench -d bench -q -v ON_ERROR_STOP=1 >/dev/null
    log "  seeded $("$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U bench -d bench -Atc 'SELECT count(*) FROM users') users; postmaster pid $PG_PID"
    export BENCH_DATABASE_URL="postgresql://bench@127.0.0.1:$port/bench"
    export BENCH_DB_POOL=$DB_POOL
}

pg_stop() {
    [[ -n $PG_DIR ]] || return 0
    if [[ -n $PG_PID ]]; then
        log "stopping PostgreSQL (postmaster pid $PG_PID)"
        "${PG_AS[@]}" "$PG_BIN/pg_ctl" stop -D "$PG_DIR/data" -m fast -t 30 >/dev/null 2>&1 \
            || log "  ! pg_ctl stop failed; log in $PG_DIR/server.log"
    fi
    cp "$PG_DIR/server.log" "$RAW/postgres.log" 2>/dev/null || true
    rm -rf "$PG_DIR"
    PG_DIR="" PG_PID=""
    unset BENCH_DATABASE_URL BENCH_DB_POOL
}
