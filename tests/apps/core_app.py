# The app the bridge's unit tests (tests/RobynGateway.Tests/Python/BridgeCoreTests.cs) call into
# directly: a sync route with a path parameter, a hooked route, and a streaming answer.
from robyn import Request, Response, Robyn
from robyn.responses import StreamingResponse

app = Robyn(__file__)


@app.get("/items/:id")
def item(request: Request, id: str):
    return {"id": id, "q": request.query_params.get("q", "")}


@app.before_request("/hooked")
def stamp(request: Request):
    request.headers.set("x-stamp", "1")
    return request


@app.after_request("/hooked")
def mark(response: Response):
    response.headers.set("x-after", "1")
    return response


@app.get("/hooked")
def hooked(request: Request):
    return {"stamp": request.headers.get("x-stamp")}


@app.get("/stream")
def stream():
    def numbers():
        for n in range(3):
            yield f"{n}\n"

    return StreamingResponse(numbers())
