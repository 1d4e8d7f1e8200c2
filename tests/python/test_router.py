import logging

import pytest

from robyn import HttpMethod, Robyn
from robyn.dependency_injection import DependencyMap
from robyn.enums import MiddlewareType
from robyn.events import Events
from support import call

VERBS = ["get", "post", "put", "delete", "patch", "head", "options", "connect", "trace"]


@pytest.fixture
def app(tmp_path):
    return Robyn(str(tmp_path / "app.py"), dependencies=DependencyMap())


@pytest.mark.parametrize("verb", VERBS)
def test_each_verb_registers_its_method_and_returns_the_handler(app, verb):
    def handler():
        return verb

    assert getattr(app, verb)("/x/")(handler) is handler
    (route,) = app.routes
    assert (route.method, route.path, route.handler) == (verb.upper(), "/x", handler)
    assert route.openapi_tags == (verb,)
    assert call(app, verb.upper(), "/x")[2] == verb.encode()


def test_route_options_are_stored(app):
    @app.get("/c", const=True, auth_required=True, openapi_name="C", openapi_tags=["t"], status_code=201,
             response_model=dict, responses={404: "nf"}, deprecated=True, include_in_schema=False)
    def c():
        return "c"

    (r,) = app.routes
    assert (r.is_const, r.auth_required, r.openapi_name, r.openapi_tags) == (True, True, "C", ("t",))
    assert (r.status_code, r.response_model, r.responses) == (201, dict, {404: "nf"})
    assert (r.deprecated, r.include_in_schema) == (True, False)
    assert call(app, "GET", "/c")[0] == 201


def test_unknown_decorator_option_is_a_type_error(app):
    with pytest.raises(TypeError):
        app.post("/x", const=True)(lambda: None)


def test_add_route_accepts_enum_and_strings(app):
    app.add_route(HttpMethod.TRACE, "/t", lambda: "t")
    app.add_route("post", "/p", lambda: "p")
    assert [(r.method, r.path) for r in app.routes] == [("TRACE", "/t"), ("POST", "/p")]
    with pytest.raises(ValueError):
        app.add_route("FETCH", "/f", lambda: "f")


def test_duplicate_route_is_rejected_after_normalisation(app):
    app.get("/dup")(lambda: 1)
    with pytest.raises(ValueError, match="already exists"):
        app.get(" /dup/ ")(lambda: 2)
    app.post("/dup")(lambda: 3)  # another method is fine
    assert len(app.routes) == 2


def test_blank_route_is_rejected(app):
    with pytest.raises(ValueError):
        app.get("  ")(lambda: 1)


def test_param_name_conflict_keeps_the_first(app, caplog):
    app.get("/a/:x")(lambda x: x)
    with caplog.at_level(logging.DEBUG, logger="robyn.router"):
        app.get("/a/:y")(lambda y: y)
    assert [r.path for r in app.routes] == ["/a/:x"]
    assert "conflicts" in caplog.text


def test_routes_expose_param_names_and_async(app):
    @app.get("/u/:uid/f/*rest")
    async def handler(uid, rest):
        return uid

    (r,) = app.routes
    assert r.param_names == ("uid", "rest") and r.is_async


def test_middlewares_are_recorded_with_their_shape(app):
    @app.before_request()
    def global_before(request):
        return request

    @app.after_request("/api/*")
    async def after(request, response):
        return response

    assert global_before is None and after is None  # Robyn rebinds the name to None
    (before,) = app.before_request_middlewares
    assert before.middleware_type is MiddlewareType.BEFORE_REQUEST and before.endpoint is None
    assert (before.function.number_of_params, before.function.is_async) == (1, False)
    (after_mw,) = app.after_request_middlewares
    assert after_mw.endpoint == "/api/*"
    assert (after_mw.function.number_of_params, after_mw.function.is_async) == (2, True)


def test_bare_middleware_decorator_is_global(app):
    @app.before_request
    def mw():
        return None

    assert mw is None
    assert app.before_request_middlewares[0].endpoint is None
    assert app.before_request_middlewares[0].function.number_of_params == 0


def test_event_handlers(app):
    async def up():
        pass

    assert app.startup_handler(up) is None
    app.shutdown_handler(lambda: None)
    app.startup_handler(lambda: None)  # a later registration replaces
    assert not app.event_handlers[Events.STARTUP].is_async
    assert Events.SHUTDOWN in app.event_handlers


def test_exception_handler_is_stored(app):
    def on_error(error):
        return "handled"

    assert app.exception(on_error) is None
    assert app.exception_handler is on_error


def test_inject_and_inject_global(app):
    app.inject(db="db")
    app.inject_global(cache="c")
    assert app.dependencies.get_router_dependencies(app) == {"db": "db"}
    assert app.dependencies.get_global_dependencies() == {"cache": "c"}


def test_default_dependency_map_is_shared_process_wide(tmp_path):
    a, b = Robyn(str(tmp_path / "a.py")), Robyn(str(tmp_path / "b.py"))
    assert a.dependencies is b.dependencies
    assert a.dependencies.get_router_dependencies(a) is not b.dependencies.get_router_dependencies(b)
