"""TestClient: JSON bodies by the seed's json= and Robyn's json_data=, and raw bodies."""

import pytest

from robyn import Request, Robyn
from robyn.testing import TestClient

app = Robyn(__file__)


@app.post("/echo")
def echo(request: Request):
    return {"got": request.json(), "type": request.headers.get("content-type"), "method": request.method}


@app.put("/echo")
def echo_put(request: Request):
    return echo(request)


@app.patch("/echo")
def echo_patch(request: Request):
    return echo(request)


@app.delete("/echo")
def echo_delete(request: Request):
    return echo(request)


@app.post("/raw")
def raw(request: Request):
    return {"body": request.body if isinstance(request.body, str) else request.body.hex()}


def test_seed_json_keyword():
    with TestClient(app) as client:
        response = client.post("/echo", json={"name": "pen", "tags": ["a"]})
        assert response.status_code == 200 and response.ok
        assert response.json() == {"got": {"name": "pen", "tags": ["a"]}, "type": "application/json", "method": "POST"}


def test_robyn_json_data_keyword_positional_and_named():
    with TestClient(app) as client:
        assert client.post("/echo", {"n": 1}).json()["got"] == {"n": 1}
        assert client.put("/echo", json_data=[1, 2]).json() == {"got": [1, 2], "type": "application/json", "method": "PUT"}
        assert client.patch("/echo", json_data={"p": True}).json()["method"] == "PATCH"
        assert client.delete("/echo", json={"d": None}).json()["got"] == {"d": None}


def test_a_given_content_type_is_kept():
    with TestClient(app) as client:
        response = client.post("/echo", json={"a": 1}, headers={"Content-Type": "application/vnd.x+json"})
        assert response.json()["type"] == "application/vnd.x+json"


def test_raw_bodies_str_and_bytes():
    with TestClient(app) as client:
        assert client.post("/raw", body="plain text").json() == {"body": "plain text"}
        assert client.post("/raw", body=b"\xff\x00").json() == {"body": "ff00"}


def test_json_and_json_data_together_is_an_error():
    with TestClient(app) as client:
        with pytest.raises(TypeError):
            client.post("/echo", json_data={"a": 1}, json={"b": 2})
        with pytest.raises(TypeError):
            client.post("/echo", json={"a": 1}, body="x")
