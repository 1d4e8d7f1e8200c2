"""Streaming responses and SSE: flushed as produced, closed when the client goes away."""

import asyncio
import hashlib

from robyn import Robyn, SSEMessage, SSEResponse, StreamingResponse

app = Robyn(__file__)
app.set_response_header("x-global", "app")
gate = {"event": None}
closed = {}


@app.startup_handler
async def make_gate():
    gate["event"] = asyncio.Event()
    gate["loop"] = asyncio.get_running_loop()


@app.get("/sync")
def sync_stream():
    def numbers():
        for i in range(5):
            yield f"{i};"
    return StreamingResponse(numbers(), media_type="text/plain")


@app.get("/gated")
async def gated():
    async def until_released():
        try:
            yield "first;"
            await gate["event"].wait()
            yield "second;"
        finally:
            closed["gated"] = True
    return StreamingResponse(until_released())


@app.get("/release")
def release():
    gate["loop"].call_soon_threadsafe(gate["event"].set)  # a sync handler runs off the loop
    return "released"


@app.get("/endless")
async def endless():
    async def forever():
        try:
            while True:
                yield "tick;"
                await asyncio.sleep(0.01)
        finally:
            closed["endless"] = True
    return StreamingResponse(forever())


@app.get("/endless-sync")
def endless_sync():
    def forever():
        try:
            while True:
                yield b"tock;"
        finally:
            closed["endless_sync"] = True
    return StreamingResponse(forever())


@app.get("/closed/:name")
def was_closed(name: str):
    return str(closed.get(name, False))


@app.get("/breaks")
def breaks():
    def partial():
        yield "before the failure;"
        raise RuntimeError("the generator broke")
    return StreamingResponse(partial())


@app.get("/bytes/:megabytes")
def big(megabytes: str):
    size = int(megabytes) * 1024 * 1024
    block = bytes(range(256)) * 256  # 64 KiB

    def blocks():
        for _ in range(size // len(block)):
            yield block
    return StreamingResponse(blocks(), media_type="application/octet-stream",
                             headers={"x-sha256": hashlib.sha256(block * (size // len(block))).hexdigest()})


@app.get("/events")
async def events():
    async def messages():
        yield SSEMessage("hello")
        yield SSEMessage("two\nlines", event="multi", id="2")
    return SSEResponse(messages())


@app.after_request("/sync")
def never_for_streams(response):
    response.headers.set("x-after", "ran")
    return response
