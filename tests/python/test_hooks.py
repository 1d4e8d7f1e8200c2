"""Hook stages as the gateway runs them: before_*, handle_* and after_* on one Exchange, with the
masks C# computes (bit i = the i-th hook of its kind in LoadedApp.hooks order)."""

import pytest

from robyn.hooks import CONTINUE, Hook, HookChains
from robyn.results import KIND_ERROR, KIND_FILE
from test_bridge import fields, gateway, load  # noqa: F401 (fixtures)

HOOKS = """
    import contextvars
    from robyn import Robyn, Request, Response, Headers, serve_file

    app = Robyn(__file__)
    who = contextvars.ContextVar("who", default="nobody")
    app.set_response_header("x-global", "g")
    app.exclude_response_headers_for(["/quiet"])

    @app.before_request("/users/:uid")
    def scoped(request):
        request.headers["x-scoped"] = request.path_params["uid"]
        return request

    @app.before_request()
    def first(request):
        who.set(request.headers.get("x-who") or "anon")
        request.headers["x-first"] = "1"
        return request

    @app.before_request("/deny")
    def deny(request):
        return Response(403, {"x-deny": "1"}, "denied")

    @app.before_request("/none")
    def gives_none(request):
        return None

    @app.before_request("/junk")
    def gives_junk(request):
        return object()

    @app.after_request()
    def no_args():
        return Response(299, {}, "from a hook without parameters")

    @app.after_request()
    def one_arg(response):
        response.headers.set("x-who", who.get())
        return response

    @app.after_request()
    def two_args(request, response):
        response.headers.set("x-path", request.url.path)
        return response

    @app.get("/users/:id")
    def user(request):
        return {"id": request.path_params["id"], "scoped": request.headers.get("x-scoped"),
                "first": request.headers.get("x-first"), "who": who.get()}

    @app.get("/boom")
    def boom():
        raise RuntimeError("handler broke")

    @app.get("/file")
    def file():
        return serve_file(__file__)
"""


def stage(app, name, exchange, mask, index, *raw):
    return getattr(app, name + "_sync")(exchange, mask, index, *raw)


def test_hooks_are_published_global_first_then_scoped_each_in_registration_order(load):
    app = load(HOOKS)
    assert app.hooks[:4] == (
        ("before", None, False, -1),
        ("before", "/users/:uid", False, -1),
        ("before", "/deny", False, -1),
        ("before", "/none", False, -1),
    )
    assert [h for h in app.hooks if h[0] == "after"] == [("after", None, False, -1)] * 3


def test_before_hooks_go_on_with_their_changes_and_the_handler_gets_its_own_params(load):
    app = load(HOOKS)
    exchange = app.exchange_type()
    answer = stage(app, "before", exchange, 0b11, 0, *fields(path="/users/7", headers="x-who:ann", params=("7",)))
    assert answer is CONTINUE
    # The scoped hook saw its own parameter name (uid); the handler sees the route's (id).
    status, _, body = stage(app, "handle", exchange, 0, 0)
    assert status == 200
    assert body == b'{"id":"7","scoped":"7","first":"1","who":"ann"}'


def test_a_before_hook_short_circuit_is_kept_for_the_after_hooks(load):
    app = load(HOOKS)
    exchange = app.exchange_type()
    answer = stage(app, "before", exchange, 0b101, -1, *fields(path="/deny"))
    assert answer[:3] == (403, ("x-deny", "1"), b"denied")
    status, headers, body = stage(app, "after", exchange, 0b110, -1)
    assert (status, body) == (403, b"denied")
    assert dict(zip(headers[::2], headers[1::2])) == {"x-deny": "1", "x-global": "g", "x-who": "anon", "x-path": "/deny"}


@pytest.mark.parametrize("path, mask, said", [("/none", 0b1001, "returned None"), ("/junk", 0b10001, "returned a object")])
def test_a_before_hook_returning_none_or_junk_is_a_500_that_names_it(load, path, mask, said):
    app = load(HOOKS)
    answer = stage(app, "before", app.exchange_type(), mask, -1, *fields(path=path))
    assert answer[0] == 500 and answer[3] == KIND_ERROR
    assert said in answer[4] and "before_request hook" in answer[4]


def test_after_hooks_on_an_unanswered_request_see_a_404(load):
    app = load(HOOKS)
    exchange = app.exchange_type()
    status, headers, body = stage(app, "after", exchange, 0b010, -1, *fields(path="/nothing"))
    assert (status, body) == (404, b"Not found")
    assert ("x-global", "g") == headers[headers.index("x-global"):headers.index("x-global") + 2]


def test_excluded_paths_get_no_global_headers_in_the_after_stage(load):
    app = load(HOOKS)
    _, headers, _ = stage(app, "after", app.exchange_type(), 0b010, -1, *fields(path="/quiet"))
    assert "x-global" not in headers


def test_an_after_hook_without_parameters_replaces_the_response(load):
    app = load(HOOKS)
    status, _, body = stage(app, "after", app.exchange_type(), 0b001, -1, *fields(path="/x"))
    assert (status, body) == (299, b"from a hook without parameters")


def test_the_handlers_traceback_survives_the_after_hooks(load):
    app = load(HOOKS)
    exchange = app.exchange_type()
    boom = [r[2] for r in app.routes if r[1] == "/boom"][0]
    assert stage(app, "handle", exchange, 0, boom, *fields(path="/boom"))[3] == KIND_ERROR
    answer = stage(app, "after", exchange, 0b010, boom)
    assert answer[0] == 500 and answer[3] == KIND_ERROR and "handler broke" in answer[4]


def test_a_file_answer_stays_a_file_through_the_after_hooks(load):
    app = load(HOOKS)
    exchange = app.exchange_type()
    index = [r[2] for r in app.routes if r[1] == "/file"][0]
    stage(app, "handle", exchange, 0, index, *fields(path="/file"))
    answer = stage(app, "after", exchange, 0b010, index)
    assert answer[3] == KIND_FILE and answer[4].endswith("app.py")


def test_async_stages_share_the_requests_context_with_sync_ones(load, gateway):
    app = load("""
        import asyncio, contextvars
        from robyn import Robyn

        app = Robyn(__file__)
        seen = contextvars.ContextVar("seen", default="unset")

        @app.before_request()
        async def mark(request):
            await asyncio.sleep(0)
            seen.set(request.headers.get("x-id"))
            return request

        @app.get("/")
        def index():
            return seen.get()
    """)
    app.start_loop()
    exchanges = [app.exchange_type() for _ in range(3)]
    for i, exchange in enumerate(exchanges):
        app.loop.call_soon_threadsafe(app.before_async, i + 1, exchange, 0b1, 0, *fields(headers=f"x-id:r{i}"))
    done = gateway.wait_for(3)
    assert all(done[i + 1] is CONTINUE for i in range(3))
    assert [stage(app, "handle", e, 0, 0)[2] for e in exchanges] == [b"r0", b"r1", b"r2"]


def test_a_wildcard_before_the_last_segment_is_refused_at_registration(load):
    with pytest.raises(ValueError, match="wildcard must be the last segment"):
        load("""
            from robyn import Robyn
            app = Robyn(__file__)

            @app.before_request("/a/*/b")
            def h(request):
                return request
        """)


def test_more_than_64_hooks_of_one_kind_are_refused():
    with pytest.raises(ValueError, match="at most 64"):
        HookChains([Hook(lambda r: r, False, 1, None) for _ in range(65)])


def test_the_next_stage_may_enter_the_context_while_the_loop_still_reports_the_last_one(load, gateway):
    # complete() runs on the loop thread; the gateway may start the next (sync) stage on a worker
    # before that callback returns. The request's context must not still be entered by the loop.
    import threading

    answers = []

    def complete(token, result):
        worker = threading.Thread(target=lambda: answers.append(app.handle_sync(exchange, 0, 0)))
        worker.start()
        worker.join()
        gateway.complete(token, result)

    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)

        @app.before_request()
        async def passes(request):
            return request

        @app.get("/")
        def index():
            return "handled"
    """, complete=complete)
    app.start_loop()
    exchange = app.exchange_type()
    app.loop.call_soon_threadsafe(app.before_async, 1, exchange, 0b1, 0, *fields())
    assert gateway.wait_for(1)[1] is CONTINUE
    assert answers[0][:3] == (200, ("content-type", "text/plain"), b"handled")


def test_an_after_hook_sets_a_cookie_on_the_answer_it_was_handed():
    # The Response an after hook gets makes its Cookies on first use; a cookie set there is sent,
    # and an answer whose hooks set none carries no set-cookie.
    from robyn.hooks import Exchange, run_after
    from robyn.request import request_from_bridge
    from robyn.results import TEXT_PLAIN

    def remember(response):
        response.set_cookie("sid", "abc", http_only=True)
        return response

    def untouched(response):
        return response

    def answered(hook):
        exchange = Exchange()
        exchange.request = request_from_bridge("GET", "/", "", "", b"", (), (), "127.0.0.1", "h", "http")
        exchange.result = (200, TEXT_PLAIN, b"hi")
        return run_after(exchange, (Hook(hook, False, 1, None),), None)

    status, headers, body = answered(remember)
    cookies = [headers[i + 1] for i in range(0, len(headers), 2) if headers[i] == "set-cookie"]
    assert (status, body) == (200, b"hi")
    assert len(cookies) == 1 and cookies[0].startswith("sid=abc") and "HttpOnly" in cookies[0]
    assert "set-cookie" not in answered(untouched)[1]


def test_the_body_an_after_hook_is_handed_is_text_when_it_reads_it_and_goes_back_as_it_came_when_not():
    from robyn.hooks import Exchange, run_after
    from robyn.request import request_from_bridge
    from robyn.results import OCTET_STREAM, TEXT_PLAIN

    seen = []

    def reads(response):
        seen.append(response.description)
        return response

    def untouched(response):
        response.headers.set("x-after", "1")
        return response

    def rewrites(response):
        response.description = response.description + "!"
        return response

    def answered(hook, result):
        exchange = Exchange()
        exchange.request = request_from_bridge("GET", "/", "", "", b"", (), (), "127.0.0.1", "h", "http")
        exchange.result = result
        return run_after(exchange, (Hook(hook, False, 1, None),), None)

    assert answered(reads, (200, TEXT_PLAIN, "hé".encode()))[2] == "hé".encode()
    assert answered(reads, (200, OCTET_STREAM, b"\xff\x00"))[2] == b"\xff\x00"
    assert seen == ["hé", b"\xff\x00"]  # text when it is UTF-8, else the bytes
    assert answered(untouched, (200, OCTET_STREAM, b"\xff\x00")) == (200, OCTET_STREAM + ("x-after", "1"), b"\xff\x00")
    assert answered(rewrites, (200, TEXT_PLAIN, b"hi"))[2] == b"hi!"


def test_hooked_sync_runs_a_requests_three_stages_in_one_call_on_an_exchange_of_its_own(load):
    app = load(HOOKS)
    index = next(i for method, path, i, *_ in app.routes if path == "/users/:id")
    answer, after_ran = app.hooked_sync(0b11, 0b010, index, *fields(path="/users/7", headers="x-who:ann", params=("7",)))
    status, headers, body = answer
    assert after_ran and status == 200
    assert body == b'{"id":"7","scoped":"7","first":"1","who":"ann"}'
    assert ("x-who", "ann") == headers[headers.index("x-who"):headers.index("x-who") + 2]
    assert ("x-global", "g") == headers[headers.index("x-global"):headers.index("x-global") + 2]
