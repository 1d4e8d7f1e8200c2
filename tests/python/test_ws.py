"""robyn.ws / robyn._sockets without the gateway: registration, argument plans, the event flow
(with a fake link standing in for the C# hub), and the inbox."""

import asyncio

import pytest

from robyn import Robyn, SubRouter, WebSocket, WebSocketDisconnect
from robyn._sockets import CLOSE, MESSAGE, OPEN, Inbox, SocketRuntime
from robyn.ws import DECORATOR, LEGACY, Done, WebSocketConnector


class FakeLink:
    """Records what the runtime asks the gateway to do."""

    def __init__(self):
        self.sent, self.closed = [], []

    def send(self, conn_id, payload):
        self.sent.append((conn_id, payload))
        return True

    def close(self, conn_id, code, reason):
        self.closed.append((conn_id, code, reason))
        return True

    def broadcast(self, index, payload):
        self.sent.append(("*", payload))
        return 2

    def ids(self, index):
        return ("a", "b")


def runtime_for(app, loop=None):
    finished = []
    runtime = SocketRuntime(app.websockets, lambda: loop, lambda token, value: finished.append((token, value)))
    link = FakeLink()
    runtime.attach(link.send, link.close, link.broadcast, link.ids)
    return runtime, link, finished


def open_payload(index=0, conn_id="c1", query=""):
    return (index, conn_id, query, "host:localhost", "127.0.0.1")


def test_done_is_a_value_and_an_awaitable():
    done = Done(3)
    assert done.value == 3 and bool(done)

    async def use():
        return await done

    assert asyncio.run(use()) == 3


def test_registration_of_both_apis_and_duplicate_paths():
    app = Robyn(__file__)
    legacy = WebSocket(app, "/chat/")

    @app.websocket("/echo")
    async def echo(websocket):
        pass

    assert [(e.path, e.kind) for e in app.websockets] == [("/chat", LEGACY), ("/echo", DECORATOR)]
    assert callable(echo.on_connect) and callable(echo.on_close)
    with pytest.raises(ValueError):
        WebSocket(app, "/chat")
    with pytest.raises(ValueError):
        legacy.on("disconnect")


def test_sub_router_websockets_take_the_including_prefix():
    app = Robyn(__file__)
    router = SubRouter("/api")

    @router.websocket("/live")
    async def live(websocket):
        pass

    app.include_router(router)
    assert [e.path for e in app.websockets] == ["/api/live"]


def test_legacy_sync_handlers_run_in_event_sync_and_answer_through_the_link():
    app = Robyn(__file__)
    ws = WebSocket(app, "/chat")
    seen = []

    @ws.on("connect")
    def connect(ws):
        return f"hi {ws.id}"

    @ws.on("message")
    def message(ws, msg):
        seen.append(msg)
        return msg.upper()

    @ws.on("close")
    def close(ws):
        seen.append("closed")
        return "ignored: the client is gone"

    runtime, link, _ = runtime_for(app)
    assert runtime.declarations == (("/chat", False, False, False),)
    session = runtime.event_sync(None, OPEN, open_payload())
    assert session.id == "c1"
    assert runtime.event_sync(session, MESSAGE, "abc") is None
    runtime.event_sync(session, CLOSE, 1000)
    assert link.sent == [("c1", "hi c1"), ("c1", "ABC")]
    assert seen == ["abc", "closed"]


def test_a_legacy_handler_that_raises_closes_with_1011_and_logs(caplog):
    app = Robyn(__file__)
    ws = WebSocket(app, "/chat")

    @ws.on("message")
    def message(ws, msg):
        raise KeyError("nope")

    runtime, link, _ = runtime_for(app)
    session = runtime.event_sync(None, OPEN, open_payload())
    runtime.event_sync(session, MESSAGE, "x")
    assert link.closed == [("c1", 1011, "Internal error")]
    assert "KeyError" in caplog.text


def test_arguments_by_name_position_dependency_and_query():
    app = Robyn(__file__)
    app.inject_global(DB="db")
    ws = WebSocket(app, "/chat")
    got = {}

    @ws.on("message")
    def message(connection, text, global_dependencies, limit: int = 5):
        got.update(connection=connection.id, text=text, db=global_dependencies["DB"], limit=limit)

    runtime, link, _ = runtime_for(app)
    session = runtime.event_sync(None, OPEN, open_payload(query="limit=7"))
    runtime.event_sync(session, MESSAGE, "m")
    assert got == {"connection": "c1", "text": "m", "db": "db", "limit": 7}


def test_a_bad_query_parameter_is_sent_as_an_error_and_closes_with_1008():
    app = Robyn(__file__)
    ws = WebSocket(app, "/chat")

    @ws.on("connect")
    def connect(ws, room: int):
        return "never"

    runtime, link, _ = runtime_for(app)
    runtime.event_sync(None, OPEN, open_payload(query="room=x"))
    assert link.sent == [("c1", "Error: Invalid value 'x' for parameter 'room': expected int")]
    assert link.closed[0][:2] == ("c1", 1008)


def test_decorator_endpoint_flow_on_a_loop():
    app = Robyn(__file__)
    log = []

    @app.websocket("/echo")
    async def echo(websocket):
        try:
            while True:
                await websocket.send_text("echo " + await websocket.receive_text())
        except WebSocketDisconnect as gone:
            log.append(("disconnect", gone.code))

    @echo.on_connect
    def connected(websocket):
        return "welcome"

    @echo.on_close
    async def closed(websocket):
        log.append("on_close")

    async def scenario():
        loop = asyncio.get_running_loop()
        runtime, link, finished = runtime_for(app, loop)
        assert runtime.declarations == (("/echo", True, True, True),)
        runtime.event_async(1, None, OPEN, open_payload())
        while not finished:
            await asyncio.sleep(0)
        session = finished[0][1]
        runtime.event_async(2, session, MESSAGE, "one")
        runtime.event_async(3, session, MESSAGE, b"two")
        for _ in range(20):
            await asyncio.sleep(0)
        runtime.event_async(4, session, CLOSE, 1001)
        while len(finished) < 4:
            await asyncio.sleep(0.01)
        return link, finished

    link, finished = asyncio.run(scenario())
    assert [t for t, _ in finished] == [1, 2, 3, 4]
    assert link.sent == [("c1", "welcome"), ("c1", "echo one"), ("c1", "echo two")]
    assert log == [("disconnect", 1001), "on_close"]


def test_the_inbox_hands_out_messages_then_raises_once_closed():
    async def scenario():
        inbox = Inbox()
        assert inbox.put("a")
        inbox.end(1000)
        first = await inbox.get()
        with pytest.raises(WebSocketDisconnect):
            await inbox.get()
        return first

    assert asyncio.run(scenario()) == "a"


def test_the_seed_endpoint_helpers_reach_the_link():
    app = Robyn(__file__)
    ws = WebSocket(app, "/chat")
    runtime, link, _ = runtime_for(app)
    assert ws.active_connections == ["a", "b"]
    assert ws.send_to("a", "hi").value is True
    assert ws.broadcast("all").value == 2
    with pytest.raises(TypeError):
        ws.send_to("a", 42)


def test_close_by_id_and_active_connections_reach_the_link_from_both_apis():
    app = Robyn(__file__)
    ws = WebSocket(app, "/room")

    @app.websocket("/chat")
    async def chat(websocket):
        pass

    runtime, link, _ = runtime_for(app)
    assert ws.close("a", 4000, "kicked").value is True
    assert ws.close("b").value is True
    connector = WebSocketConnector(app.websockets[1], "c9", "", {}, "")
    assert connector.active_connections == ["a", "b"]
    assert bool(connector.close_connection("a", 4001)) is True
    assert link.closed == [("a", 4000, "kicked"), ("b", 1000, ""), ("a", 4001, "")]


def test_unattached_endpoints_close_nobody():
    app = Robyn(__file__)
    ws = WebSocket(app, "/room")
    assert ws.close("a").value is False
    assert ws.active_connections == []
