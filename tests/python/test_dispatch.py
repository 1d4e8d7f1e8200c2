"""Failure handling of a route: exceptions, the exception handler, --dev bodies."""

import asyncio

import pytest

from robyn import Response, Robyn
from robyn.dependency_injection import DependencyMap
from robyn.results import KIND_ERROR
from support import call


@pytest.fixture
def app(tmp_path):
    return Robyn(str(tmp_path / "app.py"), dependencies=DependencyMap())


def boom():
    raise RuntimeError("kaput")


@pytest.mark.parametrize("handler", [boom, lambda request: 1 / 0])
def test_exception_gives_500_with_traceback(app, handler):
    app.get("/e")(handler)
    status, headers, body, kind, trace = call(app, "GET", "/e")
    assert (status, headers, body, kind) == (500, ("content-type", "text/plain"), b"Internal server error", KIND_ERROR)
    assert trace.startswith("Traceback (most recent call last):")
    assert "RuntimeError: kaput" in trace or "ZeroDivisionError" in trace


def test_async_exception_gives_500(app):
    @app.get("/e")
    async def handler():
        await asyncio.sleep(0)
        raise KeyError("k")

    result = call(app, "GET", "/e")
    assert result[0] == 500 and result[3] == KIND_ERROR and "KeyError: 'k'" in result[4]


def test_dev_mode_body_is_the_traceback(app, monkeypatch):
    monkeypatch.setenv("ROBYN_DEV", "1")
    app.get("/e")(boom)
    status, _, body, _, trace = call(app, "GET", "/e")
    assert status == 500 and body.decode() == trace and "kaput" in trace


def test_formatting_errors_are_handler_errors(app):
    app.get("/bad-json")(lambda: {"x": object()})
    app.get("/bad-tuple")(lambda: ("a", {}))
    assert call(app, "GET", "/bad-json")[:2] == (500, ("content-type", "text/plain"))
    assert "Tuple should have 3 elements" in call(app, "GET", "/bad-tuple")[4]


def test_exception_handler_covers_routes_registered_after_it(app):
    app.get("/before")(boom)

    @app.exception
    def handle(error):
        return Response(418, {"X-Err": type(error).__name__}, f"handled: {error}")

    app.get("/after")(boom)

    assert call(app, "GET", "/before")[0] == 500
    status, headers, body, kind, trace = call(app, "GET", "/after")
    assert (status, headers, body) == (418, ("x-err", "RuntimeError"), b"handled: kaput")
    assert kind == KIND_ERROR and "RuntimeError: kaput" in trace


def test_exception_handler_return_is_formatted_like_a_handler_return(app):
    app.exception(lambda error: {"error": str(error)})

    @app.get("/e", status_code=201)
    async def handler():
        raise ValueError("v")

    status, headers, body, kind, _ = call(app, "GET", "/e")
    assert (status, headers, body, kind) == (200, ("content-type", "application/json"), b'{"error":"v"}', KIND_ERROR)


def test_failing_exception_handler_gives_500_with_both_tracebacks(app):
    def handle(error):
        raise LookupError("handler broke")

    app.exception(handle)
    app.get("/e")(boom)
    status, _, body, kind, trace = call(app, "GET", "/e")
    assert (status, body, kind) == (500, b"Internal server error", KIND_ERROR)
    assert "RuntimeError: kaput" in trace and "LookupError: handler broke" in trace


def test_bad_parameters_do_not_reach_the_exception_handler(app):
    app.exception(lambda error: "handled")
    app.get("/p")(lambda n: n)
    assert call(app, "GET", "/p") == (400, ("content-type", "text/plain"), b"Missing required parameter: 'n'")


def test_sync_endpoint_can_run_on_the_loop(app):
    app.get("/s")(lambda request: request.method)
    endpoint = app.routes[0].endpoint
    fields = ("GET", "/s", "", "", b"", (), "", "h", "http")
    assert asyncio.run(endpoint.run_async(*fields)) == (200, ("content-type", "text/plain"), b"GET")


def test_async_endpoint_dispatched_synchronously_is_an_error_not_a_coroutine(app):
    @app.get("/a")
    async def handler():
        return "never"

    result = app.routes[0].endpoint.run_sync("GET", "/a", "", "", b"", (), "", "h", "http")
    assert result[0] == 500 and result[3] == KIND_ERROR and "dispatch_sync" in result[4]
