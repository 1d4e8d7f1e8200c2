"""The generated OpenAPI spec and the docs routes."""

import json
import logging
from dataclasses import dataclass, field
from typing import List, Optional, TypedDict

import pytest

from robyn.openapi import OpenAPI
from test_bridge import fields, gateway, load  # noqa: F401 (fixtures)

APP = """
    from typing import Optional, TypedDict
    from robyn import Robyn, Request
    from robyn.openapi import OpenAPI, OpenAPIInfo
    from robyn.robyn import QueryParams
    from robyn.types import JsonBody
    from robyn.authentication import AuthenticationHandler, BearerGetter

    class Auth(AuthenticationHandler):
        def authenticate(self, request):
            return None

    app = Robyn(__file__, openapi=OpenAPI(info=OpenAPIInfo(title="Shop", version="2.0")))
    app.configure_authentication(Auth(BearerGetter()))

    class Search(QueryParams):
        q: str
        limit: int = 10

    class NewItem(JsonBody):
        name: str
        price: float

    class ItemOut(TypedDict):
        id: int
        name: str

    @app.get("/items/:id", openapi_name="Get an item", openapi_tags=["items"])
    def get_item(request: Request) -> ItemOut:
        \"\"\"One item by its id.\"\"\"
        return {"id": 1, "name": "x"}

    @app.get("/search")
    def search(query: Search) -> str:
        return "found"

    @app.post("/items", status_code=201, auth_required=True)
    def create(body: NewItem) -> dict:
        return {}

    @app.get("/old", deprecated=True)
    def old():
        return "old"

    @app.get("/hidden", include_in_schema=False)
    def hidden():
        return "hidden"
"""


def spec_of(app):
    index = next(r[2] for r in app.routes if r[1] == "/openapi.json")
    answers = dict(app.run_consts())
    return json.loads(answers[index][2])


def test_the_spec_describes_every_route_but_hidden_ones_and_its_own(load):
    spec = spec_of(load(APP))
    assert spec["openapi"] == "3.1.0"
    assert spec["info"] == {"title": "Shop", "version": "2.0"}
    assert set(spec["paths"]) == {"/items/{id}", "/search", "/items", "/old"}


def test_an_operation_has_summary_description_tags_and_path_params(load):
    operation = spec_of(load(APP))["paths"]["/items/{id}"]["get"]
    assert operation["summary"] == "Get an item"
    assert operation["description"] == "One item by its id."
    assert operation["tags"] == ["items"]
    assert operation["parameters"] == [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                      "required": ["id", "name"]}


def test_query_params_body_status_security_and_deprecation(load):
    paths = spec_of(load(APP))["paths"]
    query = paths["/search"]["get"]
    assert [(p["name"], p["required"]) for p in query["parameters"]] == [("q", True), ("limit", False)]
    assert "text/plain" in query["responses"]["200"]["content"]
    create = paths["/items"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["properties"] == {
        "name": {"type": "string"}, "price": {"type": "number"}}
    assert "201" in create["responses"] and create["security"] == [{"BearerAuth": []}]
    assert paths["/old"]["get"]["deprecated"] is True
    assert paths["/old"]["get"]["description"] == "No description provided"


def test_pydantic_models_go_to_components(load):
    pytest.importorskip("pydantic", minversion="2")
    app = load("""
        from pydantic import BaseModel
        from robyn import Robyn

        class Item(BaseModel):
            name: str

        app = Robyn(__file__)

        @app.post("/items")
        def create(item: Item) -> Item:
            return item
    """)
    spec = spec_of(app)
    # As Robyn 0.88: the model's own schema inline; the models it nests in components.schemas.
    schema = spec["paths"]["/items"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert (schema["title"], schema["type"], schema["properties"]["name"]["type"]) == ("Item", "object", "string")


def test_an_openapi_json_beside_the_app_replaces_the_generated_spec(load, tmp_path):
    (tmp_path / "openapi.json").write_text('{"openapi": "3.1.0", "info": {"title": "From a file"}}')
    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)
    """)
    assert spec_of(app)["info"]["title"] == "From a file"


def test_docs_page_loads_swagger_ui_with_the_spec(load):
    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)
    """)
    index = next(r[2] for r in app.routes if r[1] == "/docs")
    status, headers, body = dict(app.run_consts())[index][:3]
    assert status == 200 and ("content-type", "text/html") == headers[:2]
    assert b"swagger-ui" in body and b'url: "/openapi.json"' in body


def test_disable_openapi_and_routes_of_the_app_win(load):
    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)
    """, "--disable-openapi")
    assert app.routes == []
    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)

        @app.get("/docs")
        def mine():
            return "my docs"
    """, name="own.py")
    assert [r[1] for r in app.routes] == ["/docs", "/openapi.json"]


def test_an_openapi_object_builds_for_an_app_with_no_routes():
    class Bare:
        routes = []

    assert OpenAPI().build(Bare())["paths"] == {}


ROBYN_SUITE_APP = """
    from typing import Optional, TypedDict
    from robyn import Robyn, SubRouter
    from robyn.robyn import QueryParams
    from robyn.types import JsonBody

    app = Robyn(__file__)

    @app.get("/tagged", openapi_tags=["a tag"])
    def tagged():
        \"\"\"Described by its docstring\"\"\"
        return "x"

    class Initial(TypedDict):
        is_present: bool
        letter: Optional[str]

    class FullName(TypedDict):
        first: str
        initial: Initial

    class Order(JsonBody):
        name: FullName
        price: float

    class Receipt(TypedDict):
        success: bool
        items_changed: int

    class Flags(QueryParams):
        required: bool

    @app.post("/order")
    def order(body: Order, query: Flags) -> Receipt:
        return {"success": True, "items_changed": 1}

    router = SubRouter(__file__, prefix="/sub")

    @router.post("/tagged", openapi_tags=["sub tag"])
    def sub_tagged():
        \"\"\"Described in a sub-router\"\"\"
        return "y"

    app.include_router(router)
"""


def test_the_shapes_robyns_own_suite_checks(load):
    """What Robyn's integration tests read from /openapi.json, case by case."""
    spec = spec_of(load(ROBYN_SUITE_APP))
    assert {"openapi", "info", "paths", "components", "servers", "externalDocs"} <= set(spec)
    tagged = spec["paths"]["/tagged"]["get"]
    assert (tagged["description"], tagged["tags"]) == ("Described by its docstring", ["a tag"])
    sub = spec["paths"]["/sub/tagged"]["post"]
    assert (sub["description"], sub["tags"]) == ("Described in a sub-router", ["sub tag"])

    operation = spec["paths"]["/order"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["price"] == {"type": "number"}
    name = body["properties"]["name"]
    assert name["type"] == "object" and set(name["properties"]) == {"first", "initial"}
    letter = name["properties"]["initial"]["properties"]["letter"]
    assert {"type": "string"} in letter["anyOf"] and {"type": "null"} in letter["anyOf"]

    ok = operation["responses"]["200"]
    assert ok["description"] == "Successful Response"
    receipt = ok["content"]["application/json"]["schema"]["properties"]
    assert receipt == {"success": {"type": "boolean"}, "items_changed": {"type": "integer"}}

    assert operation["parameters"][0]["name"] == "required"
    assert operation["parameters"][0]["in"] == "query"
    assert operation["parameters"][0]["schema"] == {"type": "boolean"}


def test_a_spec_file_given_to_the_app_is_its_openapi_spec_at_once(tmp_path):
    from robyn import Robyn

    (tmp_path / "custom.json").write_text(json.dumps({"openapi": "3.1.0", "info": {"title": "Custom", "version": "1.0.0"}, "paths": {}}))
    app = Robyn(str(tmp_path / "app.py"), openapi_file_path="custom.json")
    assert app.openapi.openapi_spec["info"]["title"] == "Custom"
    skeleton = Robyn(str(tmp_path / "other.py")).openapi.openapi_spec  # as Robyn: filled when served
    assert (skeleton["openapi"], skeleton["info"]["title"], skeleton["paths"]) == ("3.1.0", "Robyn API", {})


# Never stops an app ----------------------------------------------------------------------------

def openapi_warnings(gateway):
    return [message for level, name, message in gateway.logs if name == "robyn.openapi" and level == logging.WARNING]


def test_an_annotation_it_cannot_describe_is_an_empty_schema_and_one_warning_naming_the_route(load, gateway):
    spec = spec_of(load("""
        from robyn import Robyn
        from robyn.types import JsonBody

        app = Robyn(__file__)

        class Order(JsonBody):
            item: "NoSuchItem"
            count: int

        @app.post("/orders")
        def order(body: Order) -> "NoSuchReceipt":
            return {}

        @app.get("/fine")
        def fine() -> int:
            return 1
    """))
    operation = spec["paths"]["/orders"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["properties"] == {
        "item": {}, "count": {"type": "integer"}}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {}
    assert spec["paths"]["/fine"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {"type": "integer"}
    (warning,) = openapi_warnings(gateway)
    assert warning.startswith("OpenAPI: POST /orders:") and "NoSuchItem" in warning and "NoSuchReceipt" in warning


def test_a_raising_annotations_or_signature_documents_the_route_bare_and_the_app_starts(load, gateway):
    app = load("""
        import inspect
        from robyn import Robyn

        app = Robyn(__file__)

        class Handler:
            \"\"\"A callable whose annotations can't be read (once registered).\"\"\"
            broken = False

            @property
            def __annotations__(self):
                if self.broken:
                    raise RuntimeError("annotations are broken")
                return {}

            def __call__(self, request):
                return "called"

        handler = Handler()
        app.add_route("GET", "/callable", handler)
        handler.broken = True

        def plain():
            return "plain"

        app.add_route("GET", "/unsignable", plain)
        plain.__signature__ = "not a signature"  # inspect.signature now raises
    """)
    spec = spec_of(app)
    assert spec["paths"]["/callable"]["get"]["responses"]["200"]["description"] == "Successful Response"
    assert spec["paths"]["/unsignable"]["get"] == {
        "summary": "plain", "responses": {"200": {"description": "Successful Response"}}}
    warnings = openapi_warnings(gateway)
    assert any("GET /callable" in w and "annotations are broken" in w for w in warnings)
    assert any(w.startswith("OpenAPI: GET /unsignable is documented without schemas") for w in warnings)


def test_a_hook_on_the_docs_routes_does_not_stop_the_start(load):
    app = load("""
        from robyn import Robyn

        app = Robyn(__file__)

        @app.before_request("/openapi.json")
        def refuse(request):
            raise RuntimeError("no docs here")
    """)
    assert spec_of(app)["openapi"] == "3.1.0"  # the const run does not go through hooks


@pytest.mark.parametrize("content", ['{"openapi": "3.1.0", ', "[1, 2]", ""])
def test_a_spec_file_that_is_not_a_json_object_gives_a_warning_and_the_generated_spec(load, gateway, tmp_path, content):
    (tmp_path / "openapi.json").write_text(content)
    spec = spec_of(load("""
        from robyn import Robyn
        app = Robyn(__file__)

        @app.get("/here")
        def here():
            return "here"
    """))
    assert "/here" in spec["paths"]
    (warning,) = openapi_warnings(gateway)
    assert "openapi.json is not used, the generated spec is served" in warning


def test_a_missing_spec_file_given_to_the_app_gives_a_warning_and_the_generated_spec(load, gateway):
    spec = spec_of(load("""
        from robyn import Robyn
        app = Robyn(__file__, openapi_file_path="docs/missing.json")
    """))
    assert spec["info"]["title"] == "Robyn API"
    assert any("missing.json does not exist" in w for w in openapi_warnings(gateway))


def test_a_spec_the_app_broke_is_served_as_a_skeleton_with_a_warning(load, gateway):
    spec = spec_of(load("""
        from robyn import Robyn
        app = Robyn(__file__)
        app.openapi.openapi_spec["x-logo"] = object()  # not JSON
    """))
    assert (spec["openapi"], spec["paths"]) == ("3.1.0", {})
    assert any("its skeleton is served" in w for w in openapi_warnings(gateway))


def test_install_docs_reads_disable_openapi_from_any_config():
    from types import SimpleNamespace

    from robyn.openapi import install_docs

    added = []
    app = SimpleNamespace(config={}, routes=[], openapi=None,
                          add_route=lambda method, path, *a, **k: added.append(path))
    install_docs(app)
    assert added == ["/openapi.json", "/docs"]


# Complete for Robyn 0.88 -----------------------------------------------------------------------

def test_stdlib_types_literal_enum_and_containers_have_their_schemas():
    import datetime
    import decimal
    import enum
    import uuid
    from typing import Dict, FrozenSet, Literal, Optional, Set, Tuple

    from robyn._openapi_schema import Schemas

    class Color(enum.Enum):
        RED = "red"
        BLUE = "blue"

    class Level(enum.IntEnum):
        LOW = 1

    of = Schemas({}).of
    assert of(datetime.datetime) == {"type": "string", "format": "date-time"}
    assert of(datetime.date) == {"type": "string", "format": "date"}
    assert of(datetime.time) == {"type": "string", "format": "time"}
    assert of(uuid.UUID) == {"type": "string", "format": "uuid"}
    assert of(decimal.Decimal) == {"type": "number"}
    assert of(Color) == {"enum": ["red", "blue"], "type": "string"}
    assert of(Level) == {"enum": [1], "type": "integer"}
    assert of(Literal["a", "b"]) == {"enum": ["a", "b"], "type": "string"}
    assert of(Literal[1, "x"]) == {"enum": [1, "x"]}
    assert of(dict[str, int]) == {"type": "object", "additionalProperties": {"type": "integer"}}
    assert of(Dict[Color, float]) == {"type": "object", "propertyNames": of(Color), "additionalProperties": {"type": "number"}}
    assert of(set[str]) == of(Set[str]) == {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
    assert of(FrozenSet[int])["uniqueItems"] is True
    assert of(tuple[int, ...]) == {"type": "array", "items": {"type": "integer"}}
    assert of(Tuple[int, str]) == {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}],
                                   "minItems": 2, "maxItems": 2}
    assert of(int | None) == of(Optional[int]) == {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert of(dict) == {"type": "object"} and of(list) == {"type": "array", "items": {}}


class Point(TypedDict, total=False):
    x: int
    y: int


@dataclass
class Node:
    name: str
    children: List["Node"] = field(default_factory=list)
    parent: Optional["Node"] = None


def test_typeddict_dataclass_and_self_referencing_classes():
    from robyn._openapi_schema import Schemas

    schemas = Schemas({})
    assert schemas.of(Point) == {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}}}
    node = schemas.of(Node)
    assert node["required"] == ["name"]
    assert node["properties"]["children"] == {"type": "array", "items": {"type": "object"}}
    assert schemas.problems == []


RESPONSES_APP = """
    from typing import TypedDict
    from robyn import Robyn
    from robyn.types import JSONResponse

    app = Robyn(__file__)

    class Problem(JSONResponse):
        \"\"\"A problem report\"\"\"
        message: str

    class Item(TypedDict):
        id: int

    @app.get("/items/:id", responses={
        404: "Item not found",
        409: {"description": "Taken", "model": Problem},
        410: {"description": "Gone", "content": {"text/plain": {"schema": {"type": "string"}}}, "model": Problem},
        418: {"description": "A teapot", "headers": {"x-tea": {"schema": {"type": "string"}}}},
        422: Problem,
        "default": {"model": list[Item]},
        500: 12,
    })
    def item(id: int) -> Item:
        return {"id": id}

    @app.get("/odd", responses=["not", "a", "dict"])
    def odd():
        return "odd"
"""


def test_each_responses_form(load, gateway):
    spec = spec_of(load(RESPONSES_APP))
    responses = spec["paths"]["/items/{id}"]["get"]["responses"]
    problem = {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}
    assert responses["404"] == {"description": "Item not found"}
    assert responses["409"] == {"description": "Taken", "content": {"application/json": {"schema": problem}}}
    assert responses["410"]["content"] == {"text/plain": {"schema": {"type": "string"}},
                                           "application/json": {"schema": problem}}
    assert responses["418"] == {"description": "A teapot", "headers": {"x-tea": {"schema": {"type": "string"}}}}
    assert responses["422"] == {"description": "A problem report", "content": {"application/json": {"schema": problem}}}
    assert responses["default"]["content"]["application/json"]["schema"]["items"]["properties"] == {
        "id": {"type": "integer"}}
    assert "500" not in responses
    assert spec["paths"]["/items/{id}"]["get"]["parameters"][0]["schema"] == {"type": "integer"}  # from `id: int`
    assert spec["paths"]["/odd"]["get"]["responses"] == {
        "200": {"description": "Successful Response", "content": {"text/plain": {"schema": {}}}}}
    warnings = openapi_warnings(gateway)
    assert any(w.startswith("OpenAPI: GET /items/:id:") and "responses[500]" in w for w in warnings)
    assert any(w.startswith("OpenAPI: GET /odd:") for w in warnings)


def test_the_security_scheme_matches_the_token_getter(load):
    spec = spec_of(load("""
        from robyn import Robyn
        from robyn.authentication import AuthenticationHandler, TokenGetter

        class CookieGetter(TokenGetter):
            @classmethod
            def get_token(cls, request):
                return request.headers.get("x-token")

            @classmethod
            def set_token(cls, request, token):
                pass

        class Auth(AuthenticationHandler):
            def authenticate(self, request):
                return None

        app = Robyn(__file__)
        app.configure_authentication(Auth(CookieGetter()))

        @app.get("/me", auth_required=True)
        def me():
            return "me"

        @app.get("/open")
        def open_():
            return "open"
    """))
    assert spec["components"]["securitySchemes"] == {
        "ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "Authorization"}}
    assert spec["paths"]["/me"]["get"]["security"] == [{"ApiKeyAuth": []}]
    assert "security" not in spec["paths"]["/open"]["get"]


def test_components_and_add_security_scheme_are_the_schemes_auth_routes_name(load):
    spec = spec_of(load("""
        from robyn import Robyn
        from robyn.openapi import Components, OpenAPI, OpenAPIInfo

        app = Robyn(__file__, openapi=OpenAPI(info=OpenAPIInfo(components=Components(
            securitySchemes={"Jwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            schemas={"Shared": {"type": "string"}}))))
        app.openapi.add_security_scheme("Key", {"type": "apiKey", "in": "query", "name": "key"})

        @app.get("/me", auth_required=True)
        def me():
            return "me"
    """))
    assert set(spec["components"]["securitySchemes"]) == {"Jwt", "Key"}
    assert spec["components"]["schemas"] == {"Shared": {"type": "string"}}
    assert spec["paths"]["/me"]["get"]["security"] == [{"Jwt": []}, {"Key": []}]
    assert "responses" not in spec["components"]  # empty buckets pruned, as Robyn does


def test_without_authentication_there_is_no_security_scheme(load):
    spec = spec_of(load("""
        from robyn import Robyn
        app = Robyn(__file__)
    """))
    assert spec["components"] == {}


def test_the_internals_apps_call(load):
    app = load("""
        from robyn import Robyn, SubRouter
        from robyn.openapi import RouteOpenAPIMeta

        app = Robyn(__file__)

        @app.get("/a", openapi_name="A", status_code=202, deprecated=True)
        def a():
            \"\"\"Route a\"\"\"
            return "a"

        sub = SubRouter(prefix="/sub")

        @sub.post("/b")
        def b():
            return "b"

        app.include_router(sub)
        app.router.prepare_routes_openapi(app.openapi, app.included_routers)
        AT_IMPORT = sorted(app.openapi.get_openapi_config()["paths"])
        ROUTES = [(r.route_type.value, r.route, r.function.handler.__name__, r.openapi_name)
                  for r in app.router.routes]
        META = app.router.get_routes()[0].openapi_metadata
        app.openapi.add_openapi_path_obj("get", "/manual/:id", "Manual", ["m"], a, meta=RouteOpenAPIMeta(
            summary="By hand", description="Added by the app", operation_id="manual"))
    """)
    app_globals = app.app.routes[0].handler.__globals__
    assert app_globals["AT_IMPORT"] == ["/a", "/sub/b"]
    assert app_globals["ROUTES"] == [("GET", "/a", "a", "A"), ("POST", "/sub/b", "b", "")]
    meta = app_globals["META"]
    assert (meta.status_code, meta.deprecated, meta.include_in_schema) == (202, True, True)
    spec = spec_of(app)
    assert sorted(spec["paths"]) == ["/a", "/manual/{id}", "/sub/b"]
    manual = spec["paths"]["/manual/{id}"]["get"]
    assert (manual["summary"], manual["description"], manual["operationId"], manual["tags"]) == (
        "By hand", "Added by the app", "manual", ["m"])
    a = spec["paths"]["/a"]["get"]
    assert (a["summary"], a["description"], a["deprecated"], list(a["responses"])) == ("A", "Route a", True, ["202"])


def test_robyn_openapi_and_robyn_export_robyns_openapi_names():
    import robyn
    import robyn.openapi as module

    for name in ("OpenAPI", "OpenAPIInfo", "Contact", "License", "Server", "ExternalDocumentation", "Components",
                 "RouteOpenAPIMeta", "str_typed_dict", "get_pydantic_openapi_schema", "is_pydantic_model", "html",
                 "QueryParams", "Response", "Body", "JsonBody"):
        assert hasattr(module, name), name
    for method in ("add_security_scheme", "prune_empty_components", "add_openapi_path_obj", "add_subrouter_paths",
                   "get_path_obj", "get_openapi_type", "get_schema_object", "override_openapi",
                   "get_openapi_docs_page", "get_openapi_config"):
        assert callable(getattr(module.OpenAPI, method)), method
    assert robyn.OpenAPI is module.OpenAPI and robyn.RouteOpenAPIMeta is module.RouteOpenAPIMeta


def test_get_path_obj_and_component_merging_as_robyn_calls_them(caplog):
    from robyn.openapi import OpenAPI, RouteOpenAPIMeta
    from robyn.robyn import QueryParams
    from robyn.types import Body

    class Filter(QueryParams):
        page: int

    class NewNote(Body):
        text: str

    openapi = OpenAPI()
    path, operation = openapi.get_path_obj("/notes/:id", "Note", "", ["notes"], Filter, NewNote, dict,
                                           meta=RouteOpenAPIMeta(status_code=201, responses={409: "Exists"}))
    assert path == "/notes/{id}"
    assert operation["description"] == "No description provided"
    assert [p["name"] for p in operation["parameters"]] == ["id", "page"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["properties"] == {"text": {"type": "string"}}
    assert operation["responses"] == {
        "201": {"description": "Successful Response", "content": {"application/json": {"schema": {"type": "object"}}}},
        "409": {"description": "Exists"}}
    assert openapi.get_openapi_type(int) == "integer" and openapi.get_openapi_type(object) == "object"
    openapi._merge_component_schemas({"A": {"type": "string"}})
    with caplog.at_level(logging.WARNING, "robyn.openapi"):
        openapi._merge_component_schemas({"A": {"type": "integer"}})
    assert openapi.openapi_spec["components"]["schemas"]["A"] == {"type": "integer"}
    assert "'A' is defined twice" in caplog.text


def test_an_openapi_subclass_serves_what_its_get_openapi_config_gives(load, gateway):
    spec = spec_of(load("""
        from robyn import Robyn
        from robyn.openapi import OpenAPI

        class Branded(OpenAPI):
            def get_openapi_config(self):
                spec = super().get_openapi_config()
                spec["info"]["x-logo"] = {"url": "/logo.png"}
                return spec

        app = Robyn(__file__, openapi=Branded())
    """))
    assert spec["info"]["x-logo"] == {"url": "/logo.png"}
    broken = spec_of(load("""
        from robyn import Robyn
        from robyn.openapi import OpenAPI

        class Broken(OpenAPI):
            def get_openapi_config(self):
                raise RuntimeError("no spec today")

        app = Robyn(__file__, openapi=Broken())
    """, name="broken.py"))
    assert (broken["openapi"], broken["paths"]) == ("3.1.0", {})
    assert any("no spec today" in w for w in openapi_warnings(gateway))
