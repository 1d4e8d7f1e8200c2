# An app as a production user writes one: routes with parameters, a hook, Python logging, a failure.
# The observability tests read what the gateway makes of it: request ids, the access log, JSON logs.
import logging

from robyn import Request, Robyn

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


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
