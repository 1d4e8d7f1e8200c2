"""TestClient: routing and path parameters, answered by the gateway's own route table."""

import robyn
import robyn.test
import robyn.testing
from robyn import Request, Robyn, SubRouter
from robyn.testing import TestClient


def make_app() -> Robyn:
    app = Robyn(__file__)

    @app.get("/")
    def index():
        return "home"

    @app.get("/users/:user_id")
    def user(request: Request):
        return {"user": request.path_params["user_id"]}

    @app.get("/users/me")
    def me():
        return "static segment"

    @app.get("/users/:user_id/posts/:post_id")
    def post(request: Request):
        return dict(request.path_params)

    @app.get("/files/*path")
    def files(request: Request):
        return request.path_params["path"]

    @app.post("/users/:user_id")
    def update(request: Request):
        return f"updated {request.path_params['user_id']}"

    @app.head("/users/:user_id")
    def user_head(request: Request):
        return {"user": request.path_params["user_id"]}

    @app.delete("/users/:user_id")
    def remove(request: Request):
        return f"deleted {request.path_params['user_id']}"

    router = SubRouter("/v2")

    @router.get("/ping")
    def ping():
        return "pong v2"

    app.include_router(router)
    return app


def test_the_three_import_paths_are_one_class():
    assert robyn.TestClient is robyn.testing.TestClient is robyn.test.TestClient


def test_routes_and_path_params():
    with TestClient(make_app()) as client:
        assert client.get("/").text == "home"
        assert client.get("/users/42").json() == {"user": "42"}
        assert client.get("/users/7/posts/99").json() == {"user_id": "7", "post_id": "99"}
        assert client.get("/files/a/b/c.txt").text == "a/b/c.txt"


def test_a_static_segment_beats_a_parameter_as_on_the_server():
    with TestClient(make_app()) as client:
        assert client.get("/users/me").text == "static segment"


def test_one_path_several_methods():
    with TestClient(make_app()) as client:
        assert client.post("/users/5").text == "updated 5"
        assert client.delete("/users/5").text == "deleted 5"
        assert client.put("/users/5").status_code == 404


def test_a_trailing_slash_reaches_the_same_route():
    with TestClient(make_app()) as client:
        assert client.get("/users/42/").json() == {"user": "42"}


def test_sub_router_routes_are_served():
    with TestClient(make_app()) as client:
        assert client.get("/v2/ping").text == "pong v2"


def test_head_runs_its_handler_and_has_no_body():
    with TestClient(make_app()) as client:
        response = client.head("/users/42")
        assert response.status_code == 200
        assert response.content == b""
        assert response.headers["content-type"] == "application/json"
        assert client.head("/").status_code == 404  # Robyn routes HEAD only where @app.head says so


def test_an_unknown_method_is_405():
    with TestClient(make_app()) as client:
        response = client.request("BREW", "/")
        assert (response.status_code, response.text) == (405, "Method not allowed")


def test_percent_encoded_and_unicode_path_params_arrive_decoded():
    with TestClient(make_app()) as client:
        assert client.get("/users/a%20b").json() == {"user": "a b"}
        assert client.get("/users/zoë").json() == {"user": "zoë"}
