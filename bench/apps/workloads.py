"""The work behind each benchmark route, shared by every framework's app, so that every server
runs the same Python and answers the same bytes. Each app only wires these into its framework.

Also a small command line for bench/run.sh:

    python3 workloads.py seed-sql        the SQL that creates and fills the users table
    python3 workloads.py expect NAME     the body a route must answer (hello, cpu, db)
"""

import datetime
import os
import sys

HELLO = {"hello": "world"}

# ---- CPU: about 1 ms of pure Python on the machine this was written on (Debian's 3.11) ---------

CPU_LOOPS = 35_000


def burn() -> dict:
    """A fixed loop of pure Python: the same work for every request and every framework."""
    total = 0
    for i in range(CPU_LOOPS):
        total += i * i % 7
    return {"loops": CPU_LOOPS, "total": total}


# ---- Async: a handler that awaits 1 ms ----------------------------------------------------------

SLEEP_SECONDS = 0.001

# ---- Database: the seed's users page (LIMIT/OFFSET plus COUNT(*)) on a 10,000-row table --------

DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "")
POOL_SIZE = int(os.environ.get("BENCH_DB_POOL", "8"))  # connections per process, all opened at start
USERS = 10_000
PAGE, PER_PAGE = 50, 20  # the page every request asks for: /db/users?page=50&per_page=20
EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)

COUNT_SQL = "SELECT count(*) FROM users"
PAGE_SQL = "SELECT id, name, email, created_at FROM users ORDER BY id LIMIT $1 OFFSET $2"  # asyncpg
PAGE_SQL_PSYCOPG = "SELECT id, name, email, created_at FROM users ORDER BY id LIMIT %s OFFSET %s"

SEED_SQL = f"""
CREATE TABLE users (
    id         serial PRIMARY KEY,
    name       text NOT NULL,
    email      text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);
INSERT INTO users (name, email, created_at)
SELECT 'user ' || i, 'user' || i || '@example.com', '{EPOCH.isoformat()}'::timestamptz + i * interval '1 minute'
FROM generate_series(1, {USERS}) AS i;
ANALYZE users;
"""


def paging(page, per_page):
    """(page, per_page) from the query's text values, with the seed's defaults and bounds."""
    page = int(page) if page else 1
    per_page = int(per_page) if per_page else 20
    return max(page, 1), min(max(per_page, 1), 100)


def page_body(rows, total: int, page: int, per_page: int) -> dict:
    """The seed's answer. Keys are in sorted order, so that Flask's jsonify (which sorts them)
    writes the same bytes as the others."""
    return {
        "items": [
            {"created_at": row[3].isoformat(), "email": row[2], "id": row[0], "name": row[1]} for row in rows
        ],
        "page": page,
        "pages": (total + per_page - 1) // per_page,
        "per_page": per_page,
        "total": total,
    }


def _expected_page() -> dict:
    first = (PAGE - 1) * PER_PAGE + 1
    rows = [
        (i, f"user {i}", f"user{i}@example.com", EPOCH + datetime.timedelta(minutes=i))
        for i in range(first, min(first + PER_PAGE, USERS + 1))
    ]
    return page_body(rows, USERS, PAGE, PER_PAGE)


def main(argv) -> int:
    import json

    compact = dict(separators=(",", ":"))
    if argv[1:] == ["seed-sql"]:
        print(SEED_SQL)
    elif argv[1:] == ["expect", "hello"]:
        print(json.dumps(HELLO, **compact))
    elif argv[1:] == ["expect", "cpu"]:
        print(json.dumps(burn(), **compact))
    elif argv[1:] == ["expect", "db"]:
        print(json.dumps(_expected_page(), **compact))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
