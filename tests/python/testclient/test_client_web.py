"""TestClient: static files and CORS are the gateway's (ASP.NET Core), not Python's; they work the same."""

from robyn import ALLOW_CORS, Robyn
from robyn.testing import TestClient


def make_app(static_dir):
    app = Robyn(__file__)
    ALLOW_CORS(app, ["https://allowed.example"])
    app.serve_directory("/static", str(static_dir), index_file="index.html")

    @app.get("/data")
    def data():
        return {"ok": True}

    return app


def test_static_files_with_index_and_etag(tmp_path):
    (tmp_path / "index.html").write_text("<h1>home</h1>")
    (tmp_path / "app.css").write_text("body{}")
    with TestClient(make_app(tmp_path)) as client:
        css = client.get("/static/app.css")
        assert (css.status_code, css.text, css.headers["content-type"]) == (200, "body{}", "text/css")
        assert client.get("/static/").text == "<h1>home</h1>"
        again = client.get("/static/app.css", headers={"If-None-Match": css.headers["etag"]})
        assert again.status_code == 304
        assert client.get("/static/missing.css").status_code == 404


def test_cors_preflight_and_simple_requests(tmp_path):
    with TestClient(make_app(tmp_path)) as client:
        preflight = client.options("/data", headers={"Origin": "https://allowed.example",
                                                     "Access-Control-Request-Method": "GET"})
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "https://allowed.example"
        simple = client.get("/data", headers={"Origin": "https://allowed.example"})
        assert simple.json() == {"ok": True}
        assert simple.headers["access-control-allow-origin"] == "https://allowed.example"
        assert client.get("/data", headers={"Origin": "https://evil.example"}).status_code == 403
