"""TestClient: failures answer as the server answers them, and no request waits for ever."""

import asyncio
import time

import pytest

from robyn import Response, Robyn
from robyn.testing import TestClient


def make_app():
    app = Robyn(__file__)

    @app.get("/raise")
    def boom():
        raise RuntimeError("handler exploded")

    @app.get("/raise-async")
    async def boom_async():
        raise KeyError("missing")

    @app.get("/hang")
    async def hang():
        await asyncio.sleep(60)

    return app


def test_a_raising_handler_is_the_servers_500():
    with TestClient(make_app()) as client:
        for path in ("/raise", "/raise-async"):
            response = client.get(path)
            assert response.status_code == 500
            assert response.text == "Internal server error"
            assert response.headers["content-type"] == "text/plain"
            assert not response.ok


def test_dev_mode_puts_the_traceback_in_the_500(monkeypatch):
    monkeypatch.setenv("ROBYN_DEV", "1")
    with TestClient(make_app()) as client:
        response = client.get("/raise")
        assert response.status_code == 500 and "handler exploded" in response.text


def test_the_apps_exception_handler_answers_instead():
    app = Robyn(__file__)

    @app.exception
    def handle(error):
        return Response(418, {}, f"handled: {error}")

    @app.get("/raise")
    def boom():
        raise RuntimeError("teapot")

    with TestClient(app) as client:
        response = client.get("/raise")
        assert (response.status_code, response.text) == (418, "handled: teapot")


def test_a_request_without_an_answer_times_out_with_a_clear_error():
    with TestClient(make_app(), timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(TimeoutError, match=r"GET /hang .*0\.3 s"):
            client.get("/hang")
        assert time.monotonic() - started < 5  # not the hang's forever
        assert client.get("/raise").status_code == 500
