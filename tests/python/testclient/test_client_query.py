"""TestClient: a query string in the path, in query_params=, or both."""

from robyn import Request, Robyn
from robyn.testing import TestClient

app = Robyn(__file__)


@app.get("/search")
def search(request: Request):
    return {"params": request.query_params.to_dict(), "q": request.query_params.get("q", None)}


def test_query_string_in_the_path():
    with TestClient(app) as client:
        body = client.get("/search?q=pens&page=2").json()
        assert body == {"params": {"q": ["pens"], "page": ["2"]}, "q": "pens"}


def test_query_params_keyword():
    with TestClient(app) as client:
        body = client.get("/search", query_params={"q": "ink", "page": 3}).json()
        assert body == {"params": {"q": ["ink"], "page": ["3"]}, "q": "ink"}


def test_both_are_merged_path_first():
    with TestClient(app) as client:
        body = client.get("/search?q=a", query_params={"q": "b", "x": "1"}).json()
        assert body["params"] == {"q": ["a", "b"], "x": ["1"]}


def test_repeated_values_from_a_list_or_pairs():
    with TestClient(app) as client:
        assert client.get("/search", query_params={"tag": ["x", "y"]}).json()["params"] == {"tag": ["x", "y"]}
        assert client.get("/search", query_params=[("tag", "x"), ("tag", "z")]).json()["params"] == {"tag": ["x", "z"]}


def test_spaces_and_unicode_are_encoded_and_decoded():
    with TestClient(app) as client:
        assert client.get("/search", query_params={"q": "blue pen & ink"}).json()["q"] == "blue pen & ink"
        assert client.get("/search?q=café au lait").json()["q"] == "café au lait"


def test_no_query_at_all():
    with TestClient(app) as client:
        assert client.get("/search").json() == {"params": {}, "q": None}
