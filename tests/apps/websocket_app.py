"""Both websocket APIs: WebSocket(app, path) with on(event) handlers (the seed's) and
@app.websocket(path) (Robyn 0.88), plus a sub-router's."""

import asyncio
import json
import time

from robyn import Robyn, SubRouter, WebSocket, WebSocketDisconnect

app = Robyn(__file__)
app.inject_global(GREETING="hi from DI")
events = []  # (endpoint, event, id): what the close-once and order tests read through GET /events

# ---- The seed's API -----------------------------------------------------------------------------

chat = WebSocket(app, "/chat")


@chat.on("connect")
def chat_connect(ws):
    events.append(("chat", "connect", ws.id))
    return f"welcome {ws.id}"


@chat.on("message")
async def chat_message(ws, message):
    if isinstance(message, bytes):  # a binary frame
        return message[::-1]
    if message == "boom":
        raise RuntimeError("boom in a message handler")
    if message.startswith("all:"):
        sent = await chat.broadcast(message[4:])
        return f"broadcast to {sent}"
    if message.startswith("to:"):
        _, target, text = message.split(":", 2)
        return f"sent: {chat.send_to(target, text).value}"
    if message == "ids":
        return json.dumps(sorted(chat.active_connections))
    if message == "self":
        ws.sync_send_to(ws.id, "a message to self")
        await ws.async_broadcast("broadcast by a connector")
        return None
    if message == "bytes":
        ws.sync_send_to_bytes(ws.id, b"\x00\x01binary")
        return None
    if message == "close":
        ws.close()
        return None
    if message.startswith("sleep:"):
        await asyncio.sleep(float(message[6:]))
        return f"slept {message[6:]}"
    return f"echo: {message}"


@chat.on("close")
def chat_close(ws):
    events.append(("chat", "close", ws.id))
    print(f"chat close {ws.id}", flush=True)


ordered = WebSocket(app, "/ordered")


@ordered.on("message")
def ordered_message(ws, msg):
    # Sync, on the sync workers: later messages must still be answered after earlier ones.
    n = int(msg)
    time.sleep(0.002 * (n % 3))
    return msg


generator = WebSocket(app, "/generator")


@generator.on("message")
async def generator_message():
    yield "hello"
    yield "world"


di_socket = WebSocket(app, "/di")
di_socket.inject(ROUTER_THING="router thing")


@di_socket.on("connect")
async def di_connect(global_dependencies, router_dependencies):
    return global_dependencies["GREETING"] + " / " + router_dependencies["ROUTER_THING"]


# ---- Robyn 0.88's API ---------------------------------------------------------------------------


@app.websocket("/echo")
async def echo(websocket, times: int = 1, global_dependencies=None):
    try:
        while True:
            text = await websocket.receive_text()
            if text == "json":
                await websocket.send_json({"value": await websocket.receive_json(), "id": websocket.id})
            elif text == "bytes":
                data = await websocket.receive_bytes()
                await websocket.send_bytes(data + b"!")
            elif text == "di":
                await websocket.send_text(global_dependencies["GREETING"])
            elif text == "close":
                await websocket.close()
            elif text == "done":
                return  # the handler ends: the gateway closes the connection
            elif text == "raise":
                raise ValueError("the handler failed")
            elif text.startswith("all:"):
                await websocket.broadcast(text[4:])
            else:
                for _ in range(times):
                    await websocket.send_text(text)
    except WebSocketDisconnect as gone:
        events.append(("echo", "disconnect", websocket.id, gone.code))


@echo.on_connect
def echo_connect(websocket):
    events.append(("echo", "connect", websocket.id))
    return "connected"


@echo.on_close
async def echo_close(websocket):
    events.append(("echo", "close", websocket.id))
    print(f"echo close {websocket.id}", flush=True)


@app.websocket("/strict")
async def strict(websocket, room: int):
    await websocket.send_text(f"room {room}")
    await websocket.receive_text()


# The same path as an HTTP route: upgrades go to the websocket, plain GETs to the route.
@app.websocket("/both")
async def both_socket(websocket):
    await websocket.send_text("websocket")
    await websocket.receive_text()


@app.get("/both")
def both_http():
    return "http"


@app.get("/events")
def read_events():
    return json.dumps(events)


router = SubRouter(__file__, prefix="/sub")


@router.websocket("/ws")
async def sub_socket(websocket):
    await websocket.send_text(f"sub {websocket.path}")
    while True:
        await websocket.send_text("sub: " + await websocket.receive_text())


app.include_router(router)
