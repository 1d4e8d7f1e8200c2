"""TestClient: async handlers run on the app's event loop, sync ones on the gateway's workers."""

import asyncio
import threading
import time

from robyn import Request, Robyn
from robyn.testing import TestClient

app = Robyn(__file__)


@app.get("/async/:n")
async def doubled(request: Request):
    await asyncio.sleep(0.01)
    return {"n": int(request.path_params["n"]) * 2, "thread": threading.current_thread().name}


@app.get("/slow")
async def slow():
    await asyncio.sleep(1)
    return "slow"


@app.get("/sync")
def sync():
    return threading.current_thread().name


def test_an_async_handler():
    with TestClient(app) as client:
        assert client.get("/async/21").json() == {"n": 42, "thread": "robyn-loop"}


def test_a_sync_handler_runs_on_a_gateway_worker_not_the_test_thread():
    with TestClient(app) as client:
        assert client.get("/sync").text != threading.current_thread().name


def test_requests_from_several_threads_overlap():
    with TestClient(app) as client:
        results = []
        threads = [threading.Thread(target=lambda: results.append(client.get("/slow").text)) for _ in range(4)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == ["slow"] * 4
        assert time.monotonic() - started < 3  # four one-second sleeps, run together (one after the other: 4 s)
