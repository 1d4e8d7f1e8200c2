"""Slow handlers, as a Robyn user writes them: a sync one that blocks, an async one that awaits, a
route with its own timeout=, a stream that outlasts the request timeout. Served with a short
--timeout and a small --max-queue by tests/RobynGateway.Tests/Lifecycle/RequestLimitsTests.cs."""

import asyncio
import time

from robyn import Request, Robyn, SSEMessage, SSEResponse

app = Robyn(__file__)
cleaned_up = {}


@app.get("/sleep")
def sleep(request: Request):
    time.sleep(float(request.query_params.get("s", "0")))
    return "slept"


@app.get("/async-sleep/:name")
async def async_sleep(name: str, request: Request):
    try:
        await asyncio.sleep(float(request.query_params.get("s", "0")))
        return "slept"
    except asyncio.CancelledError:
        cleaned_up[name] = "cancelled"
        raise
    finally:
        cleaned_up.setdefault(name, "finished")


@app.get("/cleaned-up/:name")
async def was_cleaned_up(name: str):
    return cleaned_up.get(name, "no")


@app.get("/patient", timeout=4)
def patient():
    time.sleep(2)
    return "worth the wait"


@app.get("/impatient", timeout=0.5)
async def impatient():
    await asyncio.sleep(2)
    return "too late"


@app.before_request("/hooked/*")
async def tag(request: Request):
    request.headers["X-Hooked"] = "yes"
    return request


@app.get("/hooked/sleep")
def hooked_sleep(request: Request):
    time.sleep(float(request.query_params.get("s", "0")))
    return request.headers.get("x-hooked") or "no hook"


@app.get("/ticks")
def ticks():
    def progress():
        for i in range(4):
            time.sleep(0.5)
            yield SSEMessage(f"step {i}")
    return SSEResponse(progress())


@app.get("/fast")
def fast():
    return "fast"


@app.get("/async-fast")
async def async_fast():
    return "fast"


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
