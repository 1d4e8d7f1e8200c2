"""What handler parameters receive, exercised through real dispatch."""

import logging
from typing import List, Optional, TypedDict

import pytest

from robyn import Headers, JsonBody, Request, RequestBody, RequestMethod, RequestURL, Robyn
from robyn.dependency_injection import DependencyMap
from robyn.robyn import Identity, QueryParams, Url
from robyn.types import Body, Files, FormData, IPAddress, Method, PathParams
from support import call, header_dict


@pytest.fixture
def app(tmp_path):
    return Robyn(str(tmp_path / "app.py"), dependencies=DependencyMap())


def body_of(result):
    return result[2].decode()


def test_by_annotation(app):
    seen = {}

    @app.post("/all/:id")
    def handler(a: Request, b: QueryParams, c: Headers, d: PathParams, e: Body, f: Method,
                g: Url, h: IPAddress, i: Identity, j: RequestMethod, k: RequestURL, l: RequestBody,
                m: FormData, n: Files):
        seen.update(locals())
        return "ok"

    result = call(app, "POST", "/all/:id", path="/all/3", query="q=1", headers={"x-h": "v"},
                  body=b"payload", params=("3",), client_ip="9.9.9.9")
    assert result[0] == 200
    assert isinstance(seen["a"], Request) and seen["b"].get("q") == "1" and seen["c"].get("x-h") == "v"
    assert seen["d"] == {"id": "3"} and seen["e"] == "payload" and seen["f"] == "POST"
    assert seen["g"] == Url("http", "localhost:8080", "/all/3") and seen["h"] == "9.9.9.9"
    assert seen["i"] is None and seen["j"] == "POST" and seen["k"] == seen["g"] and seen["l"] == "payload"
    assert seen["m"] == {} and seen["n"] == {}


def test_annotation_beats_name(app):
    @app.get("/x")
    def handler(query_params: Headers):
        return type(query_params).__name__

    assert body_of(call(app, "GET", "/x")) == "Headers"


def test_subclass_annotations(app):
    class MyQuery(QueryParams):
        pass

    class MyBody(Body):
        name: str

    @app.post("/x")
    def handler(q: MyQuery, b: MyBody):
        return f"{q.get('a')}|{b}"

    assert body_of(call(app, "POST", "/x", query="a=1", body=b"raw")) == "1|raw"


@pytest.mark.parametrize("name", ["request", "req", "r"])
def test_reserved_request_names(app, name):
    ns = {}
    exec(f"def handler({name}): return {name}.method", ns)
    app.put("/x")(ns["handler"])
    assert body_of(call(app, "PUT", "/x")) == "PUT"


def test_reserved_names(app):
    seen = {}

    @app.post("/r/:id")
    def handler(query_params, headers, path_params, body, method, url, ip_addr, identity, form_data, files):
        seen.update(locals())
        return ""

    call(app, "POST", "/r/:id", path="/r/1", query="a=1", headers={"h": "1"}, body=b"b", params=("1",))
    assert seen["query_params"].get("a") == "1" and seen["headers"].get("h") == "1"
    assert seen["path_params"] == {"id": "1"} and seen["body"] == "b" and seen["method"] == "POST"
    assert seen["url"].path == "/r/1" and seen["ip_addr"] == "127.0.0.1" and seen["identity"] is None
    assert seen["form_data"] == {} and seen["files"] == {}


def test_dependencies(app):
    app.inject(db="router-db")
    app.inject_global(cfg="global-cfg")

    @app.get("/d")
    def handler(global_dependencies, router_dependencies):
        return f"{global_dependencies['cfg']}|{router_dependencies['db']}|{global_dependencies.get('late')}"

    app.inject_global(late="later")  # dicts are captured by reference
    assert body_of(call(app, "GET", "/d")) == "global-cfg|router-db|later"


class Item(JsonBody):
    name: str


class Point(TypedDict):
    x: int


@pytest.mark.parametrize("annotation", [Item, Point])
def test_json_body(app, annotation):
    def handler(data):
        return data

    handler.__annotations__ = {"data": annotation}
    app.post("/j")(handler)
    assert call(app, "POST", "/j", body=b'{"x": 1}') == (200, ("content-type", "application/json"), b'{"x":1}')


def test_invalid_json_body_is_400_json_and_handler_not_called(app):
    called = []

    @app.post("/j")
    def handler(data: Item):
        called.append(data)

    status, headers, body = call(app, "POST", "/j", body=b"{oops")
    assert status == 400 and headers == ("content-type", "application/json")
    assert body.decode().startswith('{"error":"Invalid JSON body: Expecting property name')
    assert called == []


def test_easy_access_path_then_query_with_coercion(app):
    @app.get("/items/:id")
    def handler(id: int, q: str, page: int = 1, flag: bool = False, ratio: Optional[float] = None):
        return {"id": id, "q": q, "page": page, "flag": flag, "ratio": ratio}

    result = call(app, "GET", "/items/:id", path="/items/5", query="id=999&q=a+b&flag=yes", params=("5",))
    assert result[2] == b'{"id":5,"q":"a b","page":1,"flag":true,"ratio":null}'


def test_query_uses_last_value_and_list_takes_all(app):
    @app.get("/l")
    def handler(tag: str, ids: List[int], names: list[str] = ["none"]):
        return {"tag": tag, "ids": ids, "names": names}

    assert call(app, "GET", "/l", query="tag=a&tag=b&ids=1&ids=2")[2] == b'{"tag":"b","ids":[1,2],"names":["none"]}'


def test_missing_required_parameter_is_400(app):
    @app.get("/m")
    def handler(q):
        return q

    assert call(app, "GET", "/m") == (400, ("content-type", "text/plain"), b"Missing required parameter: 'q'")
    assert call(app, "GET", "/m", query="q=")[2] == b""  # present but empty is not missing


def test_missing_list_without_default_is_400_and_optional_is_none(app):
    @app.get("/a")
    def a(ids: list[int]):
        return ids

    @app.get("/b")
    def b(ids: Optional[list[int]]):
        return str(ids)

    assert call(app, "GET", "/a")[2] == b"Missing required parameter: 'ids'"
    assert call(app, "GET", "/b")[2] == b"None"


@pytest.mark.parametrize("query, message", [
    ("id=abc", "Invalid value 'abc' for parameter 'id': expected int"),
    ("id=1&f=maybe", "Invalid value 'maybe' for parameter 'f': expected bool"),
    ("id=1&xs=1&xs=x", "Invalid value 'x' for parameter 'xs': expected float"),
])
def test_invalid_values_are_400(app, query, message):
    @app.get("/v")
    def handler(id: int, f: bool = False, xs: list[float] = []):
        return "unreachable"

    assert call(app, "GET", "/v", query=query) == (400, ("content-type", "text/plain"), message.encode())


def test_keyword_only_and_var_args(app):
    @app.get("/k/:a")
    def handler(a, *args, b: int, **kwargs):
        return f"{a}{args}{b}{kwargs}"

    assert body_of(call(app, "GET", "/k/:a", params=("x",), query="b=2")) == "x()2{}"


def test_zero_parameter_handler_builds_no_request(app, monkeypatch):
    built = []
    import robyn.dispatch as dispatch

    real = dispatch.request_from_bridge
    monkeypatch.setattr(dispatch, "request_from_bridge", lambda *a: built.append(1) or real(*a))

    @app.get("/zero")
    def zero():
        return "z"

    @app.get("/one")
    def one(request):
        return "o"

    assert call(app, "GET", "/zero")[2] == b"z" and built == []
    assert call(app, "GET", "/one")[2] == b"o" and built == [1]


def test_request_only_handler_is_called_directly(app):
    def handler(request):
        return ""

    app.get("/r")(handler)
    assert app.routes[0].endpoint.invoke is handler  # no per-request wrapper


def test_string_annotations_are_resolved(app, tmp_path):
    module = tmp_path / "future_mod.py"
    module.write_text(
        "from __future__ import annotations\n"
        "from robyn import Request\n"
        "def handler(req_obj: Request, n: int):\n"
        "    return f'{req_obj.method}:{n + 1}'\n"
    )
    ns = {}
    exec(compile(module.read_text(), str(module), "exec"), ns)
    app.get("/f")(ns["handler"])
    assert body_of(call(app, "GET", "/f", query="n=1")) == "GET:2"


def test_async_handler_injection(app):
    @app.get("/async/:id")
    async def handler(id: int, request):
        return {"id": id, "m": request.method}

    assert call(app, "GET", "/async/:id", params=("4",))[2] == b'{"id":4,"m":"GET"}'


def test_unreachable_path_param_warns(app, caplog):
    with caplog.at_level(logging.WARNING):
        app.get("/w/:id")(lambda: "x")
        app.get("/ok/:id")(lambda request: "x")
    assert "cannot receive path parameter(s) id" in caplog.text
    assert caplog.text.count("cannot receive") == 1


def test_pydantic_model_body(app):
    pydantic = pytest.importorskip("pydantic", minversion="2")  # Debian 12 ships 1.10 (refused: see test_injection.py)

    class User(pydantic.BaseModel):
        name: str
        age: int

    @app.post("/u")
    def handler(user: User):
        return {"name": user.name, "age": user.age}

    assert call(app, "POST", "/u", body=b'{"name":"a","age":3}')[2] == b'{"name":"a","age":3}'
    status, headers, body = call(app, "POST", "/u", body=b'{"name":"a","age":"x"}')
    assert status == 422 and header_dict((0, headers))["content-type"] == "application/json"
    import json

    payload = json.loads(body)
    assert payload["error"] == "Validation Error" and payload["detail"][0]["loc"] == ["age"]


def test_a_pydantic_1_style_model_is_refused_at_registration_with_a_clear_message():
    from robyn import Robyn

    class LegacyModel:  # the shape of a pydantic 1 BaseModel subclass
        __fields__ = {"name": None}

        @classmethod
        def parse_raw(cls, raw):
            return cls()

    app = Robyn(__file__)
    with pytest.raises(TypeError, match="pydantic 1 model; model parameters need pydantic 2"):
        @app.post("/items")
        def create(item: LegacyModel):
            return "never"


def test_a_real_pydantic_1_model_is_refused_when_pydantic_1_is_what_is_installed():
    pydantic = pytest.importorskip("pydantic")
    if not pydantic.VERSION.startswith("1."):
        pytest.skip(f"pydantic {pydantic.VERSION} here; Debian 12's python3-pydantic is 1.10")
    from robyn import Robyn

    class Item(pydantic.BaseModel):
        name: str

    app = Robyn(__file__)
    with pytest.raises(TypeError, match="pydantic 1 model"):
        @app.post("/items")
        def create(item: Item):
            return "never"
