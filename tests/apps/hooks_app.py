"""Scoped before/after hooks: order, short-circuits, failures, path params, every HTTP method.

`/hook-calls` reports how many times any hook ran, so tests can show that a request no hook
applies to never runs one."""

import asyncio

from robyn import Headers, Request, Response, Robyn

app = Robyn(__file__)
calls = {"hooks": 0}


def trace(request, step):
    request.headers.set("x-trace", (request.headers.get("x-trace") or "") + step + ";")
    calls["hooks"] += 1
    return request


@app.get("/hook-calls")
def hook_calls():
    return str(calls["hooks"])


@app.get("/plain")
def plain():
    return "plain"


# --- order: two sync hooks and one async hook on /api/*, then the handler, then after hooks ---------

@app.before_request("/api/*")
def api_first(request: Request):
    return trace(request, "first")


@app.before_request("/api/*")
async def api_second(request: Request):
    await asyncio.sleep(0)
    return trace(request, "second")


@app.before_request("/api/items/:item_id")
def api_item(request: Request):
    return trace(request, "item=" + request.path_params["item_id"])


@app.after_request("/api/*")
def api_after_first(response: Response):
    response.headers.set("x-after", (response.headers.get("x-after") or "") + "first;")
    return response


@app.after_request("/api/*")
async def api_after_second(request: Request, response: Response):
    response.headers.set("x-after", (response.headers.get("x-after") or "") + "second;" + request.method + ";")
    return response


@app.get("/api/items/:id")
def api_item_get(request: Request):
    return {"trace": request.headers.get("x-trace"), "id": request.path_params["id"]}


@app.post("/api/items")
async def api_item_post(request: Request):
    return {"trace": request.headers.get("x-trace"), "body": request.json()}


@app.get("/api/slow")
async def api_slow(request: Request):
    await asyncio.sleep(1.0)  # long enough for a SIGTERM to arrive mid-request
    return request.headers.get("x-trace")


@app.get("/api")
def api_root(request: Request):
    return request.headers.get("x-trace")


# --- short-circuits: the handler is skipped, after hooks still run ----------------------------------

@app.before_request("/guarded/*")
def guard(request: Request):
    if request.headers.get("authorization") != "Bearer good":
        return Response(401, Headers({"www-authenticate": "Bearer"}), "no entry")
    return request


@app.after_request("/guarded/*")
def guarded_after(response: Response):
    response.headers.set("x-guarded-after", str(response.status_code))
    return response


@app.get("/guarded/secret")
def secret():
    return "the secret"


@app.before_request("/answers/dict")
def answer_dict(request):
    return {"answered": "by the hook"}


@app.before_request("/answers/text")
def answer_text(request):
    return "hook text"


@app.before_request("/answers/tuple")
def answer_tuple(request):
    return ("teapot", {"x-from": "hook"}, 418)


@app.get("/answers/:kind")
def answers(kind: str):
    return "the handler ran"


# --- failures ---------------------------------------------------------------------------------------

@app.before_request("/fails/raise")
def before_raises(request):
    raise RuntimeError("the before hook broke")


@app.before_request("/fails/none")
def before_none(request):
    return None


@app.before_request("/fails/junk")
def before_junk(request):
    return 42


@app.before_request("/fails/bad-tuple")
def before_bad_tuple(request):
    return ("only", "two")


@app.after_request("/fails/*")
def fails_after(response: Response):
    response.headers.set("x-after-ran", "yes")
    return response


@app.get("/fails/:kind")
def fails(kind: str):
    return "the handler ran"


@app.after_request("/after-fails/raise")
def after_raises(response):
    response.headers.set("x-kept", "set before the failure")
    raise ValueError("the after hook broke")


@app.after_request("/after-fails/junk")
def after_junk(response):
    return "not a response"


@app.get("/after-fails/:kind")
def after_fails(kind: str):
    return "the handler ran"


# --- after hooks rewrite the answer -----------------------------------------------------------------

@app.after_request("/rewrite")
def rewrite(response: Response):
    if response.description == "original":
        response.status_code = 202
        response.description = "rewritten from: " + response.description
        response.headers.set("x-rewritten", "yes")
        return response
    return Response(203, Headers({"content-type": "text/plain"}), "replaced")


@app.get("/rewrite")
def rewrite_handler(request: Request):
    return request.query_params.get("body", "original")


@app.after_request("/handler-raises")
def after_handler_raised(response: Response):
    response.headers.set("x-after-ran", str(response.status_code))
    return response


@app.get("/handler-raises")
def handler_raises():
    raise KeyError("the handler broke")


# --- 404s get hooks too ------------------------------------------------------------------------------

@app.before_request("/missing/*")
def missing_before(request):
    return trace(request, "missing")


@app.after_request("/missing/*")
def missing_after(response: Response):
    response.headers.set("x-missing-after", str(response.status_code))
    return response


@app.before_request("/blocked/*")
def blocked(request):
    return Response(403, {}, "blocked by a hook")
