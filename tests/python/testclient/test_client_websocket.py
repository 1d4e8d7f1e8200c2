"""TestClient.websocket_connect: both websocket APIs through the gateway's websocket stage."""

import threading
import time

import pytest

from robyn import Robyn, WebSocket, WebSocketDisconnect
from robyn._embedded import GatewayError
from robyn.testing import TestClient

app = Robyn(__file__)
closed = []  # ids whose close handler ran
closed_event = threading.Event()

chat = WebSocket(app, "/chat")


@chat.on("connect")
def connect(ws):
    return f"welcome {ws.query_params.get('name', 'anon')}"


@chat.on("message")
async def message(ws, msg):
    if isinstance(msg, bytes):
        return msg[::-1]
    if msg.startswith("all:"):
        await chat.broadcast(msg[4:])
        return None
    if msg == "bye":
        ws.close()
        return None
    if msg == "later":
        return None
    return f"echo: {msg}"


@chat.on("close")
def close(ws):
    closed.append(ws.id)
    closed_event.set()


@app.websocket("/json")
async def json_socket(websocket):
    while True:
        data = await websocket.receive_json()
        await websocket.send_json({"got": data, "header": websocket.query_params.get("x", "")})


@app.websocket("/bytes")
async def bytes_socket(websocket):
    data = await websocket.receive_bytes()
    await websocket.send_bytes(data * 2)
    await websocket.send_text("done")


@app.get("/plain")
def plain():
    return "just http"


def test_connect_message_then_echo():
    with TestClient(app) as client, client.websocket_connect("/chat?name=ann") as ws:
        assert ws.receive_text() == "welcome ann"
        ws.send_text("hi")
        assert ws.receive_text() == "echo: hi"
        ws.send_bytes(b"abc")
        assert ws.receive_bytes() == b"cba"


def test_query_params_argument():
    with TestClient(app) as client, client.websocket_connect("/chat", query_params={"name": "bo b"}) as ws:
        assert ws.receive_text() == "welcome bo b"


def test_broadcast_reaches_every_client():
    with TestClient(app) as client:
        with client.websocket_connect("/chat?name=a") as a, client.websocket_connect("/chat?name=b") as b:
            assert a.receive_text() == "welcome a" and b.receive_text() == "welcome b"
            a.send_text("all:hello both")
            assert a.receive_text() == "hello both"
            assert b.receive_text() == "hello both"


def test_server_close_raises_disconnect_on_every_receive():
    with TestClient(app) as client, client.websocket_connect("/chat") as ws:
        ws.receive_text()
        ws.send_text("bye")
        with pytest.raises(WebSocketDisconnect) as caught:
            ws.receive()
        assert caught.value.code == 1000
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()


def test_client_close_runs_the_close_handler():
    closed_event.clear()
    with TestClient(app) as client:
        ws = client.websocket_connect("/chat")
        ws.receive_text()
        ws.close()
        ws.close()  # a second close does nothing
        assert closed_event.wait(10)
        with pytest.raises(RuntimeError, match="closed"):
            ws.send_text("too late")


def test_receive_timeout_keeps_the_message_for_later():
    with TestClient(app) as client, client.websocket_connect("/chat") as ws:
        ws.receive_text()
        ws.send_text("later")
        with pytest.raises(TimeoutError):
            ws.receive(timeout=0.2)
        ws.send_text("now")
        time.sleep(0.5)  # the answer arrives while no receive waits: the timed-out one must not take it
        assert ws.receive_text() == "echo: now"


def test_decorator_api_json_and_bytes():
    with TestClient(app) as client:
        with client.websocket_connect("/json?x=1") as ws:
            ws.send_json({"a": [1, 2]})
            assert ws.receive_json() == {"got": {"a": [1, 2]}, "header": "1"}
        with client.websocket_connect("/bytes") as ws:
            ws.send_bytes(b"\x00\xff")
            assert ws.receive_bytes() == b"\x00\xff\x00\xff"
            assert ws.receive_text() == "done"
            with pytest.raises(WebSocketDisconnect):  # the handler returned: closed with 1000
                ws.receive()


def test_wrong_kind_of_message_is_a_type_error():
    with TestClient(app) as client, client.websocket_connect("/chat") as ws:
        with pytest.raises(TypeError, match="text"):
            ws.receive_bytes()


def test_a_path_without_websocket_is_refused_with_its_status():
    with TestClient(app) as client:
        with pytest.raises(GatewayError, match="404"):
            client.websocket_connect("/nowhere")
        with pytest.raises(GatewayError, match="refused"):
            client.websocket_connect("/plain")
        assert client.get("/plain").text == "just http"


def test_closing_the_client_closes_its_open_sockets():
    closed_event.clear()
    client = TestClient(app)
    ws = client.websocket_connect("/chat")
    ws.receive_text()
    started = time.monotonic()
    client.close()
    assert closed_event.wait(10)
    assert time.monotonic() - started < 10
    with pytest.raises(RuntimeError):
        ws.send_text("x")
