"""TestClient: before/after hooks and global headers run as the gateway's pipeline stages."""

from robyn import Request, Response, Robyn
from robyn.testing import TestClient


def make_app() -> Robyn:
    app = Robyn(__file__)
    app.set_response_header("x-global", "app")
    app.exclude_response_headers_for(["/quiet"])
    app.add_request_header("x-added", "by-the-app")

    @app.before_request()
    def everywhere(request: Request):
        request.headers.set("x-seen", "global-before")
        return request

    @app.before_request("/admin/*")
    def guard(request: Request):
        if request.headers.get("x-token") != "letmein":
            return Response(401, {"content-type": "text/plain"}, "no entry")
        return request

    @app.after_request("/admin/*")
    async def stamp(response: Response):
        response.headers.set("x-after", "stamped")
        return response

    @app.get("/admin/panel")
    def panel(request: Request):
        return {"seen": request.headers.get("x-seen"), "added": request.headers.get("x-added")}

    @app.get("/quiet")
    def quiet():
        return "no globals here"

    return app


def test_before_hooks_reach_the_handler_and_after_hooks_the_answer():
    with TestClient(make_app()) as client:
        response = client.get("/admin/panel", headers={"X-Token": "letmein"})
        assert response.json() == {"seen": "global-before", "added": "by-the-app"}
        assert response.headers["x-after"] == "stamped"
        assert response.headers["x-global"] == "app"


def test_a_before_hook_answers_and_the_after_hooks_still_see_it():
    with TestClient(make_app()) as client:
        response = client.get("/admin/panel")
        assert (response.status_code, response.text) == (401, "no entry")
        assert response.headers["x-after"] == "stamped"


def test_global_response_headers_skip_excluded_paths_and_reach_404s():
    with TestClient(make_app()) as client:
        assert "x-global" not in client.get("/quiet").headers
        missing = client.get("/missing")
        assert missing.status_code == 404 and missing.headers["x-global"] == "app"


attributes = Robyn(__file__)


@attributes.before_request()
def start_timer(request: Request):
    request.start_time = 1000.0  # as Robyn's docs do: an app's own attribute on the request
    return request


@attributes.get("/timed")
def timed(request: Request):
    return {"start": request.start_time, "has_other": hasattr(request, "other")}


@attributes.after_request()
def took(request: Request, response: Response):
    response.headers.set("X-Start", str(request.start_time))
    return response


def test_an_attribute_set_in_a_before_hook_reaches_the_handler_and_the_after_hook():
    with TestClient(attributes) as client:
        answer = client.get("/timed")
        assert answer.json() == {"start": 1000.0, "has_other": False}
        assert answer.headers["x-start"] == "1000.0"
        # a fresh request does not see the last one's attributes
        assert client.get("/timed").json() == {"start": 1000.0, "has_other": False}
