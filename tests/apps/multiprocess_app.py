"""Served with --processes N: each worker process answers with its own pid."""

import os
import time

from robyn import Robyn, WebSocket

app = Robyn(__file__)


@app.startup_handler
def started():
    print(f"startup handler ran in {os.getpid()}", flush=True)


@app.shutdown_handler
def stopped():
    print(f"shutdown handler ran in {os.getpid()}", flush=True)


@app.get("/pid")
def pid(request):
    return {"pid": os.getpid(), "ip": request.ip_addr, "scheme": request.url.scheme}


@app.get("/slow")
def slow():
    print(f"slow request started in {os.getpid()}", flush=True)
    time.sleep(2)
    return f"slow answer from {os.getpid()}"


@app.post("/echo")
def echo(request):
    return request.body


room = WebSocket(app, "/room")


@room.on("connect")
def joined(ws):
    return f"joined {ws.id} on {os.getpid()}"


@room.on("message")
def said(ws, msg):
    if msg == "who":
        return ",".join(sorted(room.active_connections))
    if msg.startswith("to:"):
        _, target, text = msg.split(":", 2)
        return f"delivered: {room.send_to(target, text).value}"
    if msg.startswith("kick:"):
        return f"kicked: {room.close(msg[5:], 4000, 'kicked').value}"
    room.broadcast(f"{os.getpid()}: {msg}")
    return None


@app.get("/crash")
def crash():
    # A handler that takes its whole process down, as a segfault in a C extension would.
    print(f"crash requested in {os.getpid()}", flush=True)
    os._exit(1)


@app.get("/name")
def name(request):
    return {
        "name": request.headers.get("x-name"),
        "ip": request.ip_addr,
        "front_key": request.headers.get("x-robyn-front"),
    }
