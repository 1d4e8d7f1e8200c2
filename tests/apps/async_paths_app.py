# Everything that reaches the event loop through the gateway's wake-up: async handlers, an async
# stream, a websocket, a timer task started at startup, and a sync handler beside them.
import asyncio

from robyn import Robyn, StreamingResponse, WebSocketDisconnect

app = Robyn(__file__)
ticks = {"n": 0}


@app.startup_handler
async def start_ticking():
    async def tick():
        while True:
            await asyncio.sleep(0.05)
            ticks["n"] += 1
    ticks["task"] = asyncio.get_running_loop().create_task(tick())


@app.get("/async/:n")
async def slow_double(n: int):
    await asyncio.sleep(0.01)
    return {"double": 2 * n}


@app.get("/sync")
def sync_handler():
    return "sync"


@app.get("/ticks")
async def how_many_ticks():
    return {"ticks": ticks["n"]}


@app.get("/stream")
async def stream():
    async def chunks():
        for i in range(5):
            await asyncio.sleep(0.01)
            yield f"chunk{i};"
    return StreamingResponse(chunks(), media_type="text/plain")


@app.websocket("/echo")
async def echo(websocket):
    try:
        while True:
            text = await websocket.receive_text()
            await asyncio.sleep(0)
            await websocket.send_text(f"echo {text}")
    except WebSocketDisconnect:
        pass


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
