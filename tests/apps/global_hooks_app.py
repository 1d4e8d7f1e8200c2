"""Global before/after hooks sharing one contextvars context with the handler, plus global
response headers merged before the after hooks run."""

import asyncio
import contextvars

from robyn import Request, Response, Robyn

app = Robyn(__file__)
request_id = contextvars.ContextVar("request_id", default="unset")

app.set_response_header("x-global", "app")


@app.before_request()
async def stamp(request: Request):
    request_id.set(request.headers.get("x-request-id") or "none")
    request.headers["x-stamped"] = "yes"
    return request


@app.after_request()
def report(request: Request, response: Response):
    response.headers.set("x-context-after", request_id.get())
    response.headers.set("x-global-seen-by-after", response.headers.get("x-global") or "missing")
    return response


@app.get("/sync")
def sync_handler(request: Request):
    return {"context": request_id.get(), "stamped": request.headers.get("x-stamped")}


@app.get("/async")
async def async_handler(request: Request):
    await asyncio.sleep(0.02)  # other requests interleave here
    return {"context": request_id.get(), "stamped": request.headers.get("x-stamped")}


@app.get("/raises")
def raises():
    raise RuntimeError("boom")
