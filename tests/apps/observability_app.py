# An app as a production user writes one: routes with parameters, a hook, Python logging, a failure.
# The observability tests read what the gateway makes of it: request ids, the access log, JSON logs.
import asyncio
import logging
import time

from robyn import Request, Robyn, StreamingResponse, WebSocketDisconnect

app = Robyn(__file__)
log = logging.getLogger("shop.orders")


@app.get("/users/:id")
def user(request: Request, id: str):
    return {"id": id, "request_id": request.request_id}


@app.get("/async/:name")
async def async_user(request: Request, name: str):
    return {"name": name, "request_id": request.request_id}


@app.post("/orders")
def order(request: Request):
    log.info("order placed: %s", request.json().get("item"))
    return {"ok": True}


@app.post("/async-orders")
async def async_order(request: Request):
    item = request.json().get("item")
    log.info("async order received: %s", item)
    await asyncio.sleep(0.05)  # concurrent requests interleave on the loop here
    log.info("async order placed: %s", item)
    return {"ok": True}


@app.before_request("/audited")
async def audit(request: Request):
    log.info("audit before %s", request.query_params.get("who", ""))
    await asyncio.sleep(0.01)
    log.info("audit after the await %s", request.query_params.get("who", ""))
    return request


@app.get("/audited")
async def audited():
    return "audited"


@app.get("/traced/:id")
def traced(request: Request, id: str):
    return {"trace_id": request.trace_id, "span_id": request.span_id, "traceparent": request.traceparent}


@app.before_request("/hooked")
def before_hooked(request: Request):
    return request


@app.after_request("/hooked")
def after_hooked(response):
    return response


@app.get("/hooked")
async def hooked(request: Request):
    return {"trace_id": request.trace_id, "span_id": request.span_id}


@app.get("/boom")
def boom():
    raise ValueError("the handler failed")


@app.get("/ticks")
def ticks():
    def chunks():
        for i in range(3):
            time.sleep(0.1)
            yield f"tick {i};"
    return StreamingResponse(chunks(), media_type="text/plain")


@app.get("/async-ticks")
async def async_ticks():
    async def chunks():
        for i in range(3):
            await asyncio.sleep(0.1)
            yield f"tick {i};"
    return StreamingResponse(chunks(), media_type="text/plain")


@app.get("/report")
async def slow_report():
    time.sleep(1.0)  # blocks the event loop: what robyn.loop.lag shows (a timer due in the first 0.5 s runs >= 0.5 s late)
    return "done"


@app.websocket("/echo")
async def echo(websocket):
    try:
        while True:
            message = await websocket.receive_text()
            await websocket.send_text(f"echo: {message}")
    except WebSocketDisconnect:
        pass


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
