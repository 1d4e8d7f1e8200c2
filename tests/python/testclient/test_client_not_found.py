"""TestClient: paths and methods without a route get the server's 404."""

from robyn import Response, Robyn
from robyn.testing import TestClient

app = Robyn(__file__)


@app.get("/here")
def here():
    return "here"


def test_an_unknown_path_is_404():
    with TestClient(app) as client:
        response = client.get("/nowhere")
        assert (response.status_code, response.text) == (404, "Not found")
        assert response.headers["content-type"] == "text/plain"


def test_a_known_path_with_another_method_is_404_as_in_robyn():
    with TestClient(app) as client:
        assert client.post("/here").status_code == 404


def test_after_hooks_see_the_404():
    hooked = Robyn(__file__)

    @hooked.after_request()
    def mark(response: Response):
        response.headers.set("x-after", str(response.status_code))
        return response

    with TestClient(hooked) as client:
        response = client.get("/nowhere")
        assert response.status_code == 404 and response.headers["x-after"] == "404"
