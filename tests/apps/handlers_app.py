# Handlers for the handler tests: inputs, return conventions and errors.
import asyncio
import logging
from typing import Optional

from robyn import Headers, Request, Response, Robyn
from robyn.robyn import QueryParams

app = Robyn(__file__)
log = logging.getLogger("handlers_app")


@app.get("/str")
def text():
    return "hello"


@app.get("/bytes")
def raw():
    return b"\x00\x01binary"


@app.get("/dict")
def as_dict():
    return {"hello": "world", "n": 1, "ünï": "cødé"}


@app.get("/list")
def as_list():
    return [1, 2, 3]


@app.get("/tuple")
def as_tuple():
    return "made", {"X-Custom": "yes"}, 201


@app.get("/response-body")
def response_body():
    return Response(status_code=202, headers=Headers({"X-Seed": "body"}), body="seed style")


@app.get("/response-description")
def response_description():
    return Response(200, {"Content-Type": "text/csv"}, "a,b\n1,2")


@app.get("/none")
def nothing():
    return None


@app.get("/status", status_code=418)
def teapot():
    return "short and stout"


@app.post("/json")
def echo_json(request: Request):
    data = request.json()
    return {"got": data, "type": type(data.get("n")).__name__ if isinstance(data, dict) else None}


@app.post("/body")
def echo_body(request):
    body = request.body
    return {"kind": type(body).__name__, "length": len(body)}


@app.get("/request-info")
def request_info(request):
    return {
        "method": request.method,
        "path": request.url.path,
        "host": request.url.host,
        "scheme": request.url.scheme,
        "ip": request.ip_addr,
        "agent": request.headers.get("user-agent"),
        "missing": request.headers.get("x-missing", "fallback"),
        "q": request.query_params.get("q", "none"),
    }


@app.get("/search")
def search(q: str, page: int = 1, exact: bool = False, tags: Optional[str] = None):
    return {"q": q, "page": page, "exact": exact, "tags": tags}


@app.get("/typed/:id")
def typed(id: int, query_params: QueryParams, headers: Headers):
    return {"id": id, "all": query_params.to_dict(), "accept": headers.get("x-accept")}


@app.get("/raise")
def boom():
    log.warning("about to fail")
    raise RuntimeError("handler exploded")


@app.get("/async")
async def async_hello():
    return {"async": True}


@app.get("/async-sleep")
async def async_sleep():
    await asyncio.sleep(0.01)
    return "slept"


@app.get("/async-raise")
async def async_boom():
    await asyncio.sleep(0)
    raise ValueError("async handler exploded")


@app.get("/exit")
def exits():
    raise SystemExit(3)


@app.get("/async-exit")
async def async_exits():
    raise KeyboardInterrupt


class Unprintable:
    def __str__(self):
        raise TypeError("cannot print me")


@app.get("/junk-return")
def junk_return():
    return Unprintable()


@app.get("/bad-status")
def bad_status():
    return Response(status_code=42, headers={}, description="no such status")


@app.get("/bad-header")
def bad_header():
    return Response(status_code=200, headers={"x-bad": "line\r\nInjected: yes"}, description="x")


@app.exception
def handle_exception(error):
    return Response(status_code=599, headers={}, description=f"handled: {error}")


@app.get("/handled")
def handled():
    raise KeyError("covered by the exception handler")


if __name__ == "__main__":
    app.start()
