"""Global request and response headers, with no hooks: the gateway applies them in C#."""

from robyn import Request, Response, Robyn

app = Robyn(__file__)

app.set_response_header("x-global", "app")
app.add_response_header("x-multi", "one")
app.add_response_header("x-multi", "two")
app.exclude_response_headers_for(["/excluded"])
app.set_request_header("x-replaced", "by-the-app")
app.add_request_header("x-added", "by-the-app")
# Replaces the request id Python sees (the gateway's own stays on the response and in the logs).
app.set_request_header("x-request-id", "by-the-app")


@app.get("/echo")
def echo(request: Request):
    return {
        "replaced": request.headers.get_all("x-replaced"),
        "added": request.headers.get_all("x-added"),
        "request_ids": request.headers.get_all("x-request-id"),
    }


@app.get("/own")
def own():
    return Response(200, {"x-global": "handler", "content-type": "text/plain"}, "mine")


@app.get("/excluded")
def excluded():
    return "without globals"


@app.get("/raises")
def raises():
    raise RuntimeError("boom")


@app.post("/body")
def body(request: Request):
    return str(len(request.body))
