import pytest

from robyn import Robyn, SubRouter
from robyn.dependency_injection import DependencyMap
from support import call


@pytest.fixture
def app(tmp_path):
    return Robyn(str(tmp_path / "app.py"), dependencies=DependencyMap())


def test_prefix_is_applied_at_registration():
    sub = SubRouter("/users/")
    sub.get("/")(lambda: "list")
    sub.get("/:id")(lambda id: id)
    sub.add_route("POST", "new", lambda: "new")
    assert [(r.method, r.path) for r in sub.routes] == [("GET", "/users"), ("GET", "/users/:id"), ("POST", "/users/new")]
    assert sub.routes[1].param_names == ("id",)


def test_keyword_prefix_and_tags():
    sub = SubRouter(prefix="/v1", tags=["v1"])
    assert (sub.prefix, sub.tags) == ("/v1", ["v1"])
    assert SubRouter().prefix == "" and SubRouter("/").prefix == ""


@pytest.mark.parametrize("args, kwargs", [(("my.module",), {"prefix": "/x"}), (("/path/to/app.py", "/x"), {})])
def test_legacy_forms_warn_and_ignore_the_module(args, kwargs):
    with pytest.warns(DeprecationWarning):
        sub = SubRouter(*args, **kwargs)
    assert sub.prefix == "/x"


def test_new_form_does_not_warn(recwarn):
    SubRouter("/x", ["tag"])
    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]


def test_include_router_copies_routes_tags_and_middlewares(app):
    sub = SubRouter("/sub", tags=["sub"])

    @sub.get("/:id", openapi_tags=["item"])
    def item(id):
        return f"item {id}"

    @sub.before_request()
    def mw(request):
        return request

    app.include_router(sub)
    (route,) = app.routes
    assert (route.path, route.openapi_tags) == ("/sub/:id", ("sub", "item"))
    assert app.before_request_middlewares == sub.before_request_middlewares
    assert app.included_routers == [sub]
    assert call(app, "GET", "/sub/:id", path="/sub/5", params=("5",))[2] == b"item 5"


def test_nested_routers_accumulate_prefixes_and_recompile(app):
    nested, sub = SubRouter("/nested"), SubRouter("/sub_router")
    nested.get("/foo/:name")(lambda name: name)
    sub.include_router(nested)
    app.include_router(sub)
    (route,) = app.routes
    assert route.path == "/sub_router/nested/foo/:name" and route.param_names == ("name",)
    assert call(app, "GET", route.path, params=("x",))[2] == b"x"


def test_prefix_parameters_reach_handlers_after_inclusion():
    outer = SubRouter("/org/:org")
    inner = SubRouter("/repo")
    inner.get("/:repo")(lambda org, repo: f"{org}/{repo}")
    outer.include_router(inner)
    (route,) = outer.routes
    assert route.param_names == ("org", "repo")
    assert call(outer, "GET", route.path, params=("a", "b"))[2] == b"a/b"


def test_included_duplicates_do_not_raise_first_wins(app):
    app.get("/same")(lambda: "app")
    sub = SubRouter()
    sub.get("/same")(lambda: "sub")
    app.include_router(sub)
    assert len(app.routes) == 1 and call(app, "GET", "/same")[2] == b"app"


def test_global_dependencies_of_another_map_fill_missing_keys(app):
    sub = SubRouter("/s", dependencies=DependencyMap())
    app.inject_global(a="app")
    sub.inject_global(a="sub", b="sub")
    app.include_router(sub)
    assert app.dependencies.get_global_dependencies() == {"a": "app", "b": "sub"}


def test_subrouter_has_no_start():
    assert not hasattr(SubRouter(), "start")
