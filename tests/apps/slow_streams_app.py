"""Sync generators that sleep between items, and sync handlers that sleep: what a Robyn user writes
for a progress feed or a slow report. With the default --workers 1, none of them may hold up the
others (tests/RobynGateway.Tests/Lifecycle/SlowWorkTests.cs)."""

import time

from robyn import Request, Robyn, SSEMessage, SSEResponse

app = Robyn(__file__)
closed = {}


@app.get("/ticks")
def ticks(request: Request):
    count = int(request.query_params.get("n", "5"))
    pause = float(request.query_params.get("pause", "0.4"))

    def progress():
        for i in range(count):
            time.sleep(pause)
            yield SSEMessage(f"step {i}", event="progress")
    return SSEResponse(progress())


@app.get("/feed/:name")
def feed(name: str):
    def forever():
        try:
            while True:
                time.sleep(0.05)
                yield SSEMessage("tick")
        finally:
            closed[name] = time.monotonic()
    return SSEResponse(forever())


@app.get("/closed/:name")
async def was_closed(name: str):
    return "yes" if name in closed else "no"


@app.get("/fails")
def fails():
    def broken():
        time.sleep(0.1)
        yield SSEMessage("one")
        time.sleep(0.1)
        raise RuntimeError("the feed broke after one item")
    return SSEResponse(broken())


@app.get("/sleep")
def sleep(request: Request):
    seconds = float(request.query_params.get("s", "0"))
    time.sleep(seconds)
    return f"slept {seconds}"


@app.get("/ping")
def ping():
    return "pong"


app.start()
