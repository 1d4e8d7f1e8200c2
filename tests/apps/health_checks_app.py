# Readiness checks as an app writes them: a database pool's ping (sync), a cache client's (async),
# and two that can be made to raise or hang. The "outage" is a marker file in HEALTH_STATE_DIR, so
# a test (and every worker of --processes) sees the same state.
import asyncio
import os
import time
from pathlib import Path

from robyn import Robyn

app = Robyn(__file__)
STATE = Path(os.environ.get("HEALTH_STATE_DIR", "."))


class Pool:
    """Stands in for a database pool: its server is down while the marker file exists."""

    def ping(self) -> bool:
        return not (STATE / "db-down").exists()


pool = Pool()


@app.health_check
def database():
    return pool.ping()


@app.health_check("cache")
async def cache_ready():
    await asyncio.sleep(0.01)
    return None if (STATE / "cache-down").exists() else "PONG"


@app.health_check("queue", timeout=1)
def queue():
    if (STATE / "queue-raises").exists():
        raise ConnectionError("amqp://admin:hunter2@queue.internal refused the connection")
    while (STATE / "queue-hangs").exists():  # a broker that never answers, until the test lets go
        time.sleep(0.05)
    return True


@app.health_check(name="search", timeout=1)
async def search():
    while (STATE / "search-hangs").exists():
        await asyncio.sleep(0.05)
    return True


@app.get("/")
def index():
    return "served"


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
