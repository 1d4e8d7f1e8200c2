"""robyn._bridge exercised the way the gateway uses it: load a real app file,
then dispatch with the raw fields C# passes and inspect the result tuples."""

import logging
import os
import sys
import textwrap
import threading
import time
import uuid

import pytest

from robyn import _bridge
from robyn.events import Events
from robyn.results import KIND_ERROR

TIMEOUT = 5


class Gateway:
    """Python stand-ins for the C# complete/log functions."""

    def __init__(self):
        self.completed = []
        self.logs = []
        self.calls = []  # (message, the async call's token the record came from)
        self._cv = threading.Condition()

    def complete(self, token, result):
        with self._cv:
            self.completed.append((token, result))
            self._cv.notify_all()

    def log(self, levelno, name, message, call=0):
        self.logs.append((levelno, name, message))
        self.calls.append((message, call))

    def wait_for(self, count):
        with self._cv:
            assert self._cv.wait_for(lambda: len(self.completed) >= count, TIMEOUT), self.completed
        return dict(self.completed)


@pytest.fixture
def gateway():
    return Gateway()


@pytest.fixture
def load(tmp_path, gateway):
    """load(source, *argv) writes an app file and loads it; stops its loop afterwards."""
    loaded = []

    def _load(source, *argv, name="app.py", complete=None):
        path = tmp_path / name
        path.write_text(textwrap.dedent(source))
        app = _bridge.load(str(path), list(argv), complete or gateway.complete, gateway.log)
        loaded.append(app)
        return app

    yield _load
    for app in loaded:
        app.stop_loop()


def fields(method="GET", path="/", query="", headers="", body=b"", params=(), parts=None):
    return (method, path, query, headers, body, params, "127.0.0.1", "localhost:8080", "http", parts)


def dispatch_async(app, token, index, *raw):
    """Like the C# drain: dispatch_async runs on the loop thread."""
    app.start_loop()
    app.loop.call_soon_threadsafe(app.dispatch_async, token, index, *raw)


APP = """
    from robyn import Robyn, Response

    app = Robyn(__file__)
    GREETING = "hello"

    @app.get("/")
    def index():
        return GREETING

    @app.post("/items/:id")
    def item(request, id: int, q: str = "none"):
        return {"id": id, "q": q, "ct": request.headers.get("content-type"), "body": request.json()}

    @app.get("/async/:name")
    async def hi(name):
        return Response(201, {"X-Name": name}, body=f"hi {name}")

    if __name__ == "__main__":
        app.start(host="0.0.0.0", port=9000)
        raise SystemExit("start() must not return under the gateway")
"""


def test_load_runs_the_file_as_main_and_catches_the_hand_over(load, tmp_path):
    app = load(APP, "--workers", "3")
    assert app.start_args == {"host": "0.0.0.0", "port": 9000, "processes": None, "workers": 3, "log_level": None,
                              "client_timeout": 30, "keep_alive_timeout": 20, "timeout": None, "max_queue": None, "open_browser": False}
    assert sys.argv == [str(tmp_path / "app.py"), "--workers", "3"]
    assert os.environ["ROBYN_GATEWAY"] == "1"
    assert sys.path[0] == str(tmp_path)


def test_routes_table(load):
    app = load(APP)
    assert app.routes == [
        ("GET", "/", 0, False, (), None),
        ("POST", "/items/:id", 1, False, ("id",), None),
        ("GET", "/async/:name", 2, True, ("name",), None),
        ("GET", "/openapi.json", 3, False, (), None),  # the docs routes come last (robyn.openapi)
        ("GET", "/docs", 4, False, (), None),
    ]


def test_dispatch_sync(load):
    app = load(APP)
    result = app.dispatch_sync(0, *fields())
    assert result == (200, ("content-type", "text/plain"), b"hello")  # module globals still alive
    assert result[1] is app.const_headers[0]

    result = app.dispatch_sync(1, *fields(
        "POST", "/items/7", "q=a&q=b", "content-type:application/json\nx-other:1", b'{"k": [1]}', ("7",),
    ))
    assert result == (200, ("content-type", "application/json"),
                      b'{"id":7,"q":"b","ct":"application/json","body":{"k":[1]}}')
    assert result[1] is app.const_headers[1]


def test_dispatch_sync_bad_input(load):
    app = load(APP)
    invalid = app.dispatch_sync(1, *fields("POST", "/items/x", body=b"{}", params=("x",)))
    assert invalid == (400, ("content-type", "text/plain"), b"Invalid value 'x' for parameter 'id': expected int")
    malformed = app.dispatch_sync(1, *fields("POST", "/items/1", body=b"{nope", params=("1",)))
    assert malformed[:4] == (500, ("content-type", "text/plain"), b"Internal server error", KIND_ERROR)
    assert "ValueError: Invalid JSON:" in malformed[4]
    bad_index = app.dispatch_sync(42, *fields())
    assert bad_index[0] == 500 and bad_index[3] == KIND_ERROR and "IndexError" in bad_index[4]


def test_dispatch_async_completes_with_the_result(load, gateway):
    app = load(APP)
    dispatch_async(app, 41, 2, *fields("GET", "/async/bob", params=("bob",)))
    assert gateway.wait_for(1) == {41: (201, ("x-name", "bob"), b"hi bob")}


def test_async_requests_run_concurrently_each_in_a_fresh_context(load, gateway):
    app = load("""
        import asyncio, contextvars
        from robyn import Robyn

        app = Robyn(__file__)
        current = contextvars.ContextVar("current", default="unset")
        arrived = []
        release = asyncio.Event()

        @app.get("/wait/:n")
        async def wait(n):
            before = current.get()
            current.set(n)
            arrived.append(n)
            if len(arrived) == 3:
                release.set()
            await release.wait()  # all three must be in flight at once
            return f"{before}->{current.get()}"
    """)
    for token in (1, 2, 3):
        dispatch_async(app, token, 0, *fields(path=f"/wait/{token}", params=(str(token),)))
    assert gateway.wait_for(3) == {t: (200, ("content-type", "text/plain"), f"unset->{t}".encode()) for t in (1, 2, 3)}
    assert sorted(token for token, _ in gateway.completed) == [1, 2, 3]  # exactly once each


def test_records_logged_by_async_handlers_name_their_own_call(load, gateway):
    app = load("""
        import asyncio, logging
        from robyn import Robyn

        app = Robyn(__file__)
        log = logging.getLogger("orders")
        arrived = []
        release = asyncio.Event()

        @app.get("/orders/:n")
        async def order(n):
            log.warning("received %s", n)
            arrived.append(n)
            if len(arrived) == 3:
                release.set()
            await release.wait()  # the three interleave on the loop
            log.warning("placed %s", n)
            return n

        @app.get("/sync")
        def plain():
            log.warning("sync")
            return "ok"
    """)
    for token in (11, 12, 13):
        dispatch_async(app, token, 0, *fields(path=f"/orders/{token}", params=(str(token),)))
    gateway.wait_for(3)
    app.dispatch_sync(1, *fields(path="/sync"))
    calls = dict(gateway.calls)
    for token in (11, 12, 13):
        assert calls[f"received {token}"] == token and calls[f"placed {token}"] == token
    assert calls["sync"] == 0  # a sync worker's call: the gateway knows it by its thread
    logging.getLogger("orders").warning("outside")
    assert dict(gateway.calls)["outside"] == 0


def test_dispatch_async_failures_complete_with_error(load, gateway):
    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)

        @app.get("/boom")
        async def boom():
            raise RuntimeError("async kaput")

        @app.get("/sync")
        def sync():
            return "sync on loop"
    """)
    dispatch_async(app, 1, 0, *fields(path="/boom"))
    dispatch_async(app, 2, 1, *fields(path="/sync"))
    dispatch_async(app, 3, 99, *fields(path="/nowhere"))  # a bad index still completes
    done = gateway.wait_for(3)
    assert done[1][:4] == (500, ("content-type", "text/plain"), b"Internal server error", KIND_ERROR)
    assert "RuntimeError: async kaput" in done[1][4]
    assert done[2] == (200, ("content-type", "text/plain"), b"sync on loop")
    assert done[3][0] == 500 and "IndexError" in done[3][4]


def test_a_failing_complete_does_not_break_the_loop(load, gateway):
    calls = []

    def flaky_complete(token, result):
        calls.append(token)
        if token == 1:
            raise RuntimeError("C# threw")
        gateway.complete(token, result)

    app = load(APP, complete=flaky_complete)
    dispatch_async(app, 1, 2, *fields(path="/async/a", params=("a",)))
    dispatch_async(app, 2, 2, *fields(path="/async/b", params=("b",)))
    assert gateway.wait_for(1) == {2: (201, ("x-name", "b"), b"hi b")}
    assert calls == [1, 2]
    assert any("complete(1) failed" in m and "C# threw" in m for _, _, m in gateway.logs)


def test_stop_loop_completes_pending_requests(load, gateway):
    app = load("""
        import asyncio
        from robyn import Robyn
        app = Robyn(__file__)

        @app.get("/forever")
        async def forever():
            await asyncio.Event().wait()
    """)
    dispatch_async(app, 5, 0, *fields(path="/forever"))  # queued, maybe not started yet
    thread = next(t for t in threading.enumerate() if t.name == "robyn-loop" and t.is_alive())
    app.stop_loop()
    done = gateway.wait_for(1)
    assert done[5][0] == 500 and done[5][3] == KIND_ERROR and "CancelledError" in done[5][4]
    assert not thread.is_alive() and app.loop is None


def test_loop_thread(load):
    app = load(APP)
    assert app.loop is None
    app.start_loop()
    loop = app.loop
    app.start_loop()
    assert app.loop is loop  # idempotent
    names = [t for t in threading.enumerate() if t.name == "robyn-loop" and t.is_alive()]
    assert names and all(t.daemon for t in names)
    try:
        import uvloop  # noqa: F401
    except ImportError:
        assert type(loop).__module__.startswith("asyncio")
    else:
        assert type(loop).__module__.startswith("uvloop")


def test_attach_wakeup_calls_drain_on_the_loop_thread(load, gateway):
    app = load(APP)
    read_fd, write_fd = os.pipe()
    drained = []

    def drain():
        os.read(read_fd, 64)
        drained.append(threading.current_thread().name)
        app.dispatch_async(9, 0, *fields())

    try:
        app.start_loop()
        app.attach_wakeup(read_fd, drain)
        os.write(write_fd, b"\x01")
        assert gateway.wait_for(1) == {9: (200, ("content-type", "text/plain"), b"hello")}
        assert drained == ["robyn-loop"]
    finally:
        app.stop_loop()
        os.close(read_fd)
        os.close(write_fd)


def test_startup_and_shutdown_handlers(load):
    app = load("""
        import threading
        from robyn import Robyn
        app = Robyn(__file__)
        events = []

        @app.startup_handler
        async def up():
            events.append(("up", threading.current_thread().name))

        def down():
            events.append(("down", threading.current_thread().name))

        app.shutdown_handler(down)
    """)
    app.run_startup()
    app.run_shutdown()
    events = app.app.event_handlers[Events.STARTUP].handler.__globals__["events"]
    assert events == [("up", "robyn-loop"), ("down", threading.current_thread().name)]


def test_startup_errors_are_reraised(load):
    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)

        @app.startup_handler
        async def up():
            raise ConnectionError("db down")
    """)
    with pytest.raises(ConnectionError, match="db down"):
        app.run_startup()
    app.run_shutdown()  # none registered: a no-op


def test_without_start_the_last_app_is_used(load):
    app = load("""
        from robyn import Robyn
        first = Robyn(__file__)
        second = Robyn(__file__)
        second.get("/only")(lambda: "second")
    """, "--processes", "2")
    assert app.routes[0] == ("GET", "/only", 0, False, (), None)
    assert app.start_args == {"host": None, "port": None, "processes": 2, "workers": None, "log_level": None,
                              "client_timeout": None, "keep_alive_timeout": None, "timeout": None, "max_queue": None, "open_browser": False}


def test_a_file_without_an_app_is_an_error(load):
    with pytest.raises(RuntimeError, match="defines no Robyn app"):
        load("x = 1\n")


@pytest.mark.parametrize("source, error", [("def broken(:\n", SyntaxError), ("import no_such_module_xyz\n", ImportError)])
def test_app_errors_propagate(load, source, error):
    with pytest.raises(error):
        load(source)


def test_the_app_directory_is_importable(load, tmp_path):
    module = f"helpers_{uuid.uuid4().hex}"
    (tmp_path / f"{module}.py").write_text("VALUE = 'from helper'\n")
    app = load(f"""
        from robyn import Robyn
        from {module} import VALUE
        app = Robyn(__file__)
        app.get("/")(lambda: VALUE)
    """)
    assert app.dispatch_sync(0, *fields())[2] == b"from helper"


def test_logging_is_bridged_and_follows_log_level(load, gateway):
    app = load("""
        import logging
        from robyn import Robyn
        log = logging.getLogger("userapp")
        log.info("info at import")
        log.warning("warning at import")
        app = Robyn(__file__)

        @app.get("/")
        def index():
            log.error("in handler")
            return ""
    """, "--log-level", "WARNING")
    app.dispatch_sync(0, *fields())
    assert logging.getLogger().level == logging.WARNING
    user = [(lvl, msg) for lvl, name, msg in gateway.logs if name == "userapp"]
    assert user == [(logging.WARNING, "warning at import"), (logging.ERROR, "in handler")]


def test_two_apps_in_one_interpreter_are_independent(load, gateway):
    a = load('from robyn import Robyn\napp = Robyn(__file__)\napp.get("/")(lambda: "a")\n', name="a.py")
    b = load('from robyn import Robyn\napp = Robyn(__file__)\napp.get("/")(lambda: "b")\n', name="b.py")
    dispatch_async(a, 1, 0, *fields())
    dispatch_async(b, 2, 0, *fields())
    done = gateway.wait_for(2)
    assert (done[1][2], done[2][2]) == (b"a", b"b")
    assert a.loop is not b.loop


def test_plain_asyncio_loop_when_uvloop_is_missing(load, gateway, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvloop", None)  # makes `import uvloop` fail
    app = load(APP)
    dispatch_async(app, 1, 2, *fields(path="/async/x", params=("x",)))
    assert gateway.wait_for(1) == {1: (201, ("x-name", "x"), b"hi x")}
    assert type(app.loop).__module__.startswith("asyncio")


def test_dispatch_async_before_start_loop_still_completes(load, gateway):
    app = load(APP)
    app.dispatch_async(3, 2, *fields(path="/async/x", params=("x",)))
    done = gateway.wait_for(1)
    assert done[3][0] == 500 and done[3][3] == KIND_ERROR


def test_systemexit_and_keyboardinterrupt_are_500s_and_the_loop_keeps_running(load, gateway):
    app = load("""
        import sys
        from robyn import Robyn
        app = Robyn(__file__)

        @app.get("/exit")
        async def exits():
            sys.exit(2)

        @app.get("/interrupt")
        def interrupts():
            raise KeyboardInterrupt

        @app.get("/ok")
        async def ok():
            return "still here"
    """)
    status, _, _, kind, trace = app.dispatch_sync(1, *fields(path="/interrupt"))
    assert (status, kind) == (500, KIND_ERROR) and "KeyboardInterrupt" in trace
    dispatch_async(app, 1, 0, *fields(path="/exit"))
    assert gateway.wait_for(1)[1][0] == 500
    dispatch_async(app, 2, 2, *fields(path="/ok"))
    assert gateway.wait_for(2)[2] == (200, ("content-type", "text/plain"), b"still here")


def test_stop_loop_reports_where_a_stuck_loop_thread_is(monkeypatch):
    # The gateway keeps the loop's wake-up bridge alive when this is not None.
    from robyn import _loop

    monkeypatch.setattr(_loop, "STOP_TIMEOUT", 0.2)
    thread = _loop.LoopThread()
    release = threading.Event()
    thread.start().call_soon_threadsafe(lambda: release.wait(5))
    stuck = thread.stop()
    assert stuck is not None and "release.wait(5)" in stuck
    release.set()
    assert thread.stop() is None and thread.loop is None


def test_run_consts_runs_each_const_route_once_and_caches_its_answer(load):
    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)
        runs = []

        @app.get("/c", const=True)
        def c():
            runs.append(1)
            return {"runs": len(runs)}

        @app.get("/c/:name", const=True)
        async def named(name: str):
            return f"name={name!r}"

        @app.get("/plain")
        def plain():
            return str(len(runs))
    """)
    answers = dict(app.run_consts())
    assert answers[0][:3] == (200, ("content-type", "application/json"), b'{"runs":1}')
    assert answers[1][2] == b"name=''"
    assert 2 not in answers
    # Later dispatches (e.g. with hooks) get the cached answer; the handler does not run again.
    assert app.dispatch_sync(0, *fields(path="/c"))[2] == b'{"runs":1}'
    assert app.dispatch_sync(2, *fields(path="/plain"))[2] == b"1"


def test_a_const_route_that_fails_at_start_raises_with_its_traceback(load):
    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)

        @app.get("/broken", const=True)
        def broken():
            raise ValueError("broke at start")
    """)
    with pytest.raises(RuntimeError, match="const route GET /broken failed") as info:
        app.run_consts()
    assert "broke at start" in str(info.value)


def test_cancel_task_cancels_a_running_handler_so_its_finally_runs(load, gateway):
    app = load("""
        import asyncio
        from robyn import Robyn
        app = Robyn(__file__)
        events = []

        @app.get("/slow")
        async def slow():
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                events.append("cancelled")
                raise
            finally:
                events.append("finally")
            return "never"
    """)
    dispatch_async(app, 7, 0, *fields(path="/slow"))
    deadline = time.monotonic() + 5
    while 7 not in app._tasks and time.monotonic() < deadline:
        time.sleep(0.01)
    app.loop.call_soon_threadsafe(app.cancel_task, 7)
    app.loop.call_soon_threadsafe(app.cancel_task, 12345)  # unknown: ignored
    done = gateway.wait_for(1)
    assert done[7][0] == 500 and "CancelledError" in done[7][4]  # the gateway drops this late answer
    assert app.app.routes[0].handler.__globals__["events"] == ["cancelled", "finally"]
    assert 7 not in app._tasks


def test_an_async_handler_runs_in_its_own_task_with_working_timeouts(load, gateway):
    # The handler's task completes the request from inside itself (no done callback; eagerly
    # started on 3.12+): current_task() must still be the handler's task, asyncio.timeout must
    # cancel that very task and no other, and a handler that never awaits finishes all the same.
    app = load("""
        import asyncio
        from robyn import Robyn
        app = Robyn(__file__)

        @app.get("/who")
        async def who():
            first = asyncio.current_task()
            await asyncio.sleep(0)
            return f"{first is not None} {first is asyncio.current_task()} {first.done()}"

        @app.get("/timed")
        async def timed():
            try:
                async with asyncio.timeout(0.05):
                    await asyncio.sleep(30)
            except TimeoutError:
                return f"timed out, cancelling={asyncio.current_task().cancelling()}"
            return "not timed out"

        @app.get("/now")
        async def now():
            return {"task": asyncio.current_task() is not None}
    """)
    dispatch_async(app, 1, 0, *fields(path="/who"))
    dispatch_async(app, 2, 1, *fields(path="/timed"))
    dispatch_async(app, 3, 2, *fields(path="/now"))
    done = gateway.wait_for(3)
    assert done[1] == (200, ("content-type", "text/plain"), b"True True False")
    assert done[2] == (200, ("content-type", "text/plain"), b"timed out, cancelling=0")
    assert done[3] == (200, ("content-type", "application/json"), b'{"task":true}')
    assert sorted(token for token, _ in gateway.completed) == [1, 2, 3]  # exactly once each
    assert app._tasks == {}


def test_cancel_task_before_the_task_started_still_completes_once(load, gateway):
    # A request that times out between its dispatch and its task's first step (possible on 3.11,
    # where a task's first step waits for the next loop iteration) is answered all the same.
    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)

        @app.get("/")
        async def index():
            return "ran"
    """)
    app.start_loop()

    def dispatch_then_cancel():
        app.dispatch_async(5, 0, *fields())
        app.cancel_task(5)

    app.loop.call_soon_threadsafe(dispatch_then_cancel)
    done = gateway.wait_for(1)
    time.sleep(0.1)  # a second completion would arrive by now
    assert len(gateway.completed) == 1
    if sys.version_info >= (3, 12):
        assert done[5] == (200, ("content-type", "text/plain"), b"ran")  # started eagerly: done already
    else:
        assert done[5][0] == 500 and "CancelledError" in done[5][4]
    assert app._tasks == {}


def test_an_apps_task_factory_makes_the_tasks_its_async_requests_run_in(load, gateway):
    # On 3.11 the gateway makes a request's task itself (named, which spares formatting
    # "Task-<n>"), but only while the loop has no task factory: one the app set still gets it.
    app = load("""
        import asyncio
        from robyn import Robyn

        app = Robyn(__file__)
        made = []

        def factory(loop, coro, **options):  # context, and eager_start from uvloop on 3.14
            task = asyncio.Task(coro, loop=loop, **options)
            made.append(task)
            return task

        @app.get("/factory")
        async def install():
            asyncio.get_running_loop().set_task_factory(factory)
            return "set"

        @app.get("/mine")
        async def mine():
            await asyncio.sleep(0)  # still the same task after a suspension
            return str(asyncio.current_task() in made)
    """)
    dispatch_async(app, 1, 1, *fields(path="/mine"))
    assert gateway.wait_for(1)[1][2] == b"False"
    dispatch_async(app, 2, 0, *fields(path="/factory"))
    gateway.wait_for(2)
    dispatch_async(app, 3, 1, *fields(path="/mine"))
    assert gateway.wait_for(3)[3][2] == b"True"
