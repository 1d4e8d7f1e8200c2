"""TestClient speed: twenty tests, each with its own client (a host started and stopped per test).

It asserts nothing about time; run it alone to see how long a client costs:
    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python/testclient/test_client_many.py
"""

import pytest

from robyn import Request, Robyn
from robyn.testing import TestClient

app = Robyn(__file__)
started = []


@app.startup_handler
def startup():
    started.append(True)


@app.get("/items/:n")
def item(request: Request):
    return {"n": int(request.path_params["n"])}


@app.post("/items")
async def create(request: Request):
    return request.json()


@pytest.mark.parametrize("n", range(20))
def test_one_client_per_test(n):
    with TestClient(app) as client:
        assert client.get(f"/items/{n}").json() == {"n": n}
        assert client.post("/items", json={"n": n}).json() == {"n": n}
    assert len(started) == n + 1
