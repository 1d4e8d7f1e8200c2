"""Slow, streaming and body routes for the client-fault, payload-limit and graceful-stop tests
(tests/RobynGateway.Tests/Lifecycle/ClientFaultTests.cs): what a client that goes away, sends
too much or outlasts the stop meets."""

import asyncio
import os
import time

from robyn import Request, Robyn, SSEMessage, SSEResponse, WebSocket

app = Robyn(__file__)


@app.get("/pid")
def pid():
    return str(os.getpid())


@app.get("/slow")
async def slow():
    await asyncio.sleep(2)
    return "finished slowly"


@app.get("/very-slow/:name")
async def very_slow(name: str):
    print(f"very slow {name} started", flush=True)
    await asyncio.sleep(60)
    return f"{name} finished too late"


@app.get("/ticks")
def ticks():
    def feed():
        for i in range(20):
            yield SSEMessage(f"tick {i}")
            time.sleep(0.1)
    return SSEResponse(feed())


@app.post("/echo")
def echo(request: Request):
    return f"{len(request.body)} bytes"


@app.get("/raise")
def boom():
    raise RuntimeError("a real server fault")


@app.get("/big")
def big():
    return "x" * 8_000_000


@app.get("/crash")
def crash():
    # A handler that takes its whole process down, as a segfault in a C extension would.
    os._exit(1)


echo_socket = WebSocket(app, "/ws")


@echo_socket.on("message")
def said(ws, msg):
    return msg
