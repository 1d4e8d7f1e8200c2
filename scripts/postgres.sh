#!/usr/bin/env bash
# Runs a command next to a throwaway PostgreSQL 15 cluster:
#
#   bash scripts/postgres.sh COMMAND [ARGS...]
#
# The cluster lives in a new temp dir, listens on 127.0.0.1 on a free port (no TCP elsewhere, its
# unix socket in the temp dir), and has one database, `users`. COMMAND runs with DATABASE_URL
# pointing at it; then the cluster is stopped (pg_ctl stop, by its data dir) and the dir removed,
# whatever happened. The exit code is COMMAND's. No system-wide PostgreSQL service is touched.
#
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user (Debian's
# postgresql packages create it) and its server runs as that user.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: bash scripts/postgres.sh COMMAND [ARGS...]   (COMMAND gets DATABASE_URL)" >&2
    exit 2
fi

bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$bin/initdb" ]; then
    echo "error: no PostgreSQL 15 at $bin: install postgresql-15 (scripts/install-test-deps.sh does)" >&2
    exit 1
fi

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
    owner=${PG_OS_USER:-postgres}
    id -u "$owner" >/dev/null 2>&1 || { echo "error: running as root needs the '$owner' user for the cluster" >&2; exit 1; }
    as_owner=(runuser -u "$owner" --)
fi

dir=$(mktemp -d /tmp/robyn-pg.XXXXXX)
chmod 700 "$dir"
[ ${#as_owner[@]} -gt 0 ] && chown "$owner" "$dir"
data="$dir/data"
started=0

stop() {
    if [ "$started" -eq 1 ]; then
        "${as_owner[@]}" "$bin/pg_ctl" stop -D "$data" -m fast -t 30 >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free loopback port: bound by the kernel's choice, then released for the server.
port=${PG_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}

"${as_owner[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-sync --no-instructions >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
# fsync off: the data is thrown away anyway, and the tests run faster.
"${as_owner[@]}" "$bin/pg_ctl" start -D "$data" -w -t 60 -l "$dir/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off" >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
started=1
"${as_owner[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres users

export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/users"
echo "postgres.sh: PostgreSQL 15 on 127.0.0.1:$port (data in $data); DATABASE_URL=$DATABASE_URL" >&2
set +e
"$@"
rc=$?
set -e
exit "$rc"
