"""The generated OpenAPI spec and the docs routes (contract §21)."""

import json

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
    assert spec["components"]["schemas"]["Item"]["properties"]["name"]["type"] == "string"
    assert spec["paths"]["/items"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Item"}


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
    assert Robyn(str(tmp_path / "other.py")).openapi.openapi_spec == {}
