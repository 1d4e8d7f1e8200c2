"""TestClient: each client runs the startup handler once when it starts and the shutdown handler
once when it closes, as the server does at start and stop."""

import asyncio
import threading

import pytest

from robyn import Robyn
from robyn.testing import TestClient


def make_app(events):
    app = Robyn(__file__)

    @app.startup_handler
    async def startup():
        await asyncio.sleep(0)
        events.append("startup")

    @app.shutdown_handler
    def shutdown():
        events.append("shutdown")

    @app.get("/events")
    def listing():
        return list(events)

    @app.get("/cached", const=True)
    def cached():
        events.append("const ran")
        return "cached"

    return app


def test_startup_runs_once_before_the_first_request_and_const_routes_after_it():
    events = []
    with TestClient(make_app(events)) as client:
        assert events == ["startup", "const ran"]
        for _ in range(3):
            assert client.get("/cached").text == "cached"
        assert client.get("/events").json() == ["startup", "const ran"]
    assert events == ["startup", "const ran", "shutdown"]


def test_each_client_has_its_own_startup_and_shutdown():
    events = []
    app = make_app(events)
    first = TestClient(app)
    second = TestClient(app)
    assert events.count("startup") == 2
    first.close()
    assert events.count("shutdown") == 1
    assert second.get("/events").status_code == 200
    second.close()
    assert events.count("shutdown") == 2


def test_close_twice_runs_shutdown_once_and_a_closed_client_refuses_requests():
    events = []
    client = TestClient(make_app(events))
    client.close()
    client.close()
    assert events.count("shutdown") == 1
    with pytest.raises(RuntimeError, match="closed"):
        client.get("/events")


def test_a_failing_startup_handler_fails_the_client_with_its_traceback_and_no_shutdown():
    app = Robyn(__file__)
    events = []

    @app.startup_handler
    def startup():
        raise ValueError("no database")

    @app.shutdown_handler
    def shutdown():
        events.append("shutdown")

    with pytest.raises(RuntimeError, match="(?s)startup handler.*ValueError: no database"):
        TestClient(app)
    assert events == []  # as the server, which exits: no shutdown after a start that failed


def test_close_waits_for_a_request_in_flight_on_another_thread():
    app = Robyn(__file__)
    running = threading.Event()

    @app.get("/slow")
    async def slow():
        running.set()
        await asyncio.sleep(0.3)
        return "finished"

    client = TestClient(app)
    answers = []
    worker = threading.Thread(target=lambda: answers.append(client.get("/slow").text))
    worker.start()
    assert running.wait(10)
    client.close()
    worker.join()
    assert answers == ["finished"]
