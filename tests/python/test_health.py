"""`@app.health_check`: the decorator's shapes and errors, the runner's outcomes (sync, async,
falsy, raising, hanging) on a real event loop, and `python3 app.py` serving the checks on its
readiness endpoint."""

import asyncio
import threading
import time

import pytest

from gateway_process import Server, free_port, user_env
from robyn import Robyn
from robyn._loop import LoopThread
from robyn.health import DEFAULT_TIMEOUT, HealthRunner


def make_app() -> Robyn:
    return Robyn(__file__)


def test_bare_named_and_keyword_forms_register_and_return_the_function():
    app = make_app()

    @app.health_check
    def database():
        return True

    @app.health_check("cache", timeout=2)
    async def ping_cache():
        return True

    @app.health_check(name="queue")
    def queue():
        return True

    assert callable(database) and database() is True  # the function itself, still callable
    assert [(c.name, c.is_async, c.timeout) for c in app.health_checks] == [
        ("database", False, DEFAULT_TIMEOUT), ("cache", True, 2.0), ("queue", False, DEFAULT_TIMEOUT)]


@pytest.mark.parametrize("make, message", [
    (lambda app: app.health_check("db", timeout=0), "timeout must be a number of seconds"),
    (lambda app: app.health_check("db", timeout=-1), "timeout must be a number of seconds"),
    (lambda app: app.health_check("db", timeout="5"), "timeout must be a number of seconds"),
    (lambda app: app.health_check("db", timeout=True), "timeout must be a number of seconds"),
    (lambda app: app.health_check("robyn.gateway"), "not a usable check name"),
    (lambda app: app.health_check("a\nb"), "not a usable check name"),
])
def test_bad_arguments_are_refused_when_the_check_is_declared(make, message):
    app = make_app()
    with pytest.raises(ValueError, match=message):
        make(app)(lambda: True)
    assert app.health_checks == []


def test_a_name_that_is_not_a_string_and_a_duplicate_name_are_refused():
    app = make_app()
    with pytest.raises(TypeError, match="must be a str"):
        app.health_check(42)
    app.health_check("db")(lambda: True)
    with pytest.raises(ValueError, match="already a check named 'db'"):
        app.health_check("db")(lambda: False)


@pytest.fixture
def loop():
    thread = LoopThread()
    thread.start()
    yield thread
    thread.stop()


def run(app: Robyn, loop: LoopThread):
    return HealthRunner(app.health_checks, lambda: loop.loop)


def test_outcomes_of_sync_and_async_truthy_falsy_and_raising_checks(loop, caplog):
    app = make_app()
    app.health_check("sync_ok")(lambda: "yes")
    app.health_check("sync_falsy")(lambda: 0)

    @app.health_check
    async def async_ok():
        await asyncio.sleep(0)
        # On the app's loop, where its async pools live.
        return asyncio.get_running_loop() is loop.loop

    @app.health_check
    async def async_raises():
        raise ConnectionRefusedError("postgres://user:secret@db refused")

    outcomes = run(app, loop).run()
    assert outcomes == [
        ("sync_ok", True, "healthy"),
        ("sync_falsy", False, "returned 0"),
        ("async_ok", True, "healthy"),
        ("async_raises", False, "raised ConnectionRefusedError (traceback in the server log)"),
    ]
    assert "secret" not in repr(outcomes)
    assert any("postgres://user:secret@db refused" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_hanging_checks_fail_at_their_timeout_and_a_hung_sync_one_is_not_started_twice(loop):
    app = make_app()
    release = threading.Event()
    calls = []

    @app.health_check(timeout=0.2)
    def stuck():
        calls.append(1)
        release.wait(30)
        return True

    @app.health_check(timeout=0.2)
    async def stuck_async():
        await asyncio.sleep(30)

    runner = run(app, loop)
    started = time.monotonic()
    assert runner.run() == [("stuck", False, "no answer within 0.2 s"), ("stuck_async", False, "no answer within 0.2 s")]
    assert time.monotonic() - started < 10  # bounded by the timeouts, not by the checks
    assert runner.run()[0] == ("stuck", False, "no answer within 0.2 s")
    assert len(calls) == 1
    release.set()
    deadline = time.monotonic() + 30
    while runner.run()[0][1] is not True:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert len(calls) == 2  # once it returned, the next answer runs it afresh


def test_an_async_check_without_a_running_loop_is_unhealthy():
    app = make_app()

    @app.health_check
    async def pool():
        return True

    assert HealthRunner(app.health_checks, lambda: None).run() == [
        ("pool", False, "raised RuntimeError (traceback in the server log)")]


APP = '''
import os
from robyn import Robyn

app = Robyn(__file__)

@app.health_check
def database():
    return not os.path.exists(os.environ["DB_DOWN_MARKER"])

@app.health_check("cache", timeout=2)
async def cache():
    return True

@app.get("/")
def index():
    return "ok"

if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
'''


def test_python3_app_py_serves_the_checks_on_its_readiness_endpoint(tmp_path):
    app = tmp_path / "app.py"
    app.write_text(APP)
    marker = tmp_path / "db-down"
    port = free_port()
    env = user_env(DB_DOWN_MARKER=str(marker))
    import sys
    with Server([sys.executable, str(app), "--port", str(port)], port, str(tmp_path), env) as server:
        server.wait_ready()
        assert server.request("/__robyn/health/ready") == (200, b"ready\ndatabase: healthy\ncache: healthy")
        marker.write_text("")
        assert server.request("/__robyn/health/ready") == (503, b"unhealthy\ndatabase: unhealthy: returned False\ncache: healthy")
        assert server.request("/") == (200, b"ok")
        marker.unlink()
        assert server.request("/__robyn/health/ready")[0] == 200
        assert server.stop() == 0
