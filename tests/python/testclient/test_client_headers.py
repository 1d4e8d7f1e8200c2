"""TestClient: request headers in, response headers out (case-insensitive, repeated names kept)."""

from robyn import Headers, Request, Response, Robyn
from robyn.testing import TestClient

app = Robyn(__file__)


@app.get("/echo")
def echo(request: Request):
    return {"token": request.headers.get("x-token"), "all": request.headers.get_all("x-many"),
            "host": request.headers.get("host"), "ip": request.ip_addr}


@app.get("/cookies")
def cookies():
    headers = Headers({"X-Custom": "yes"})
    headers.append("Set-Cookie", "a=1")
    headers.append("Set-Cookie", "b=2")
    return Response(201, headers, "made")


def test_headers_from_a_dict_reach_the_handler():
    with TestClient(app) as client:
        assert client.get("/echo", headers={"X-Token": "secret"}).json()["token"] == "secret"


def test_repeated_headers_from_pairs_or_headers():
    with TestClient(app) as client:
        assert client.get("/echo", headers=[("X-Many", "1"), ("X-Many", "2")]).json()["all"] == ["1", "2"]
        multi = Headers({})
        multi.append("x-many", "3")
        multi.append("x-many", "4")
        assert client.get("/echo", headers=multi).json()["all"] == ["3", "4"]


def test_response_headers_are_case_insensitive_and_keep_repeats():
    with TestClient(app) as client:
        response = client.get("/cookies")
        assert response.status_code == 201
        assert response.headers["x-custom"] == response.headers["X-CUSTOM"] == "yes"
        assert response.headers.get_all("set-cookie") == ["a=1", "b=2"]


def test_host_and_client_address():
    with TestClient(app) as client:
        body = client.get("/echo").json()
        assert body["host"] == "localhost" and body["ip"] == "127.0.0.1"
        assert client.get("http://example.test:8080/echo").json()["host"] == "example.test:8080"
