"""The DB page's work with no HTTP server: bench/apps/workloads.py's two asyncpg queries, the page
dict and json.dumps, looped on uvloop by 16 tasks over a pool of DB_POOL connections. Prints this
process's CPU and PostgreSQL's per page, and pages per second: what any server of the DB page
could reach at best on this machine, since it does this work and answers HTTP besides.
Run by bench/db-body.sh, which starts the throwaway PostgreSQL (BENCH_DATABASE_URL)."""
import asyncio
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps"))
import asyncpg  # noqa: E402
import uvloop  # noqa: E402
import workloads  # noqa: E402

PAGES = int(os.environ.get("PAGES", "6000"))
TASKS = 16


def postgres_seconds() -> float:
    """CPU time of every postgres process on the machine (the throwaway cluster is the only one)."""
    ticks = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if "(postgres)" in stat:
            fields = stat.rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


async def main() -> None:
    size = int(os.environ.get("DB_POOL", "8"))
    pool = await asyncpg.create_pool(os.environ["BENCH_DATABASE_URL"], min_size=size, max_size=size)

    async def page() -> bytes:
        number, per_page = workloads.paging("50", "20")
        async with pool.acquire() as connection:
            total = await connection.fetchval(workloads.COUNT_SQL)
            rows = await connection.fetch(workloads.PAGE_SQL, per_page, (number - 1) * per_page)
        return json.dumps(workloads.page_body(rows, total, number, per_page)).encode()

    async def loop(count: int) -> None:
        for _ in range(count):
            await page()

    await asyncio.gather(*(loop(200) for _ in range(TASKS)))  # warm-up
    pages = PAGES // TASKS * TASKS
    t0, pg0, w0 = os.times(), postgres_seconds(), time.monotonic()
    await asyncio.gather(*(loop(pages // TASKS) for _ in range(TASKS)))
    t1, pg1, w1 = os.times(), postgres_seconds(), time.monotonic()
    await pool.close()
    ours = (t1.user - t0.user + t1.system - t0.system) / pages * 1e6
    print(f"{pages} pages: {ours:.1f} us of Python, {(pg1 - pg0) / pages * 1e6:.1f} us of PostgreSQL per page, "
          f"{pages / (w1 - w0):,.0f} pages/s")


uvloop.install()
asyncio.run(main())
