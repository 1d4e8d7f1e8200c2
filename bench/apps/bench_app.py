"""Benchmark app: bench/BareKestrel serves the same routes with the same bytes (the ceiling).

/json and /async-json measure the plain dispatch path; /hooked/json the same sync handler behind
one before and one after hook (the cost of two more stages); /static/hello.json a file that
ASP.NET Core serves without Python; /ws/legacy and /ws/echo a websocket echo in each API."""
import os

from robyn import Robyn, WebSocket

app = Robyn(__file__)
app.serve_directory("/static", os.path.join(os.path.dirname(os.path.abspath(__file__)), "static"))


@app.get("/json")
def json_route():
    return {"hello": "world"}


@app.get("/async-json")
async def async_json():
    return {"hello": "world"}


@app.before_request("/hooked/*")
def tag_request(request):
    request.headers.set("x-bench", "1")
    return request


@app.after_request("/hooked/*")
def tag_response(response):
    response.headers.set("x-bench", "1")
    return response


@app.get("/hooked/json")
def hooked_json():
    return {"hello": "world"}


# WebSocket echo, both APIs: the seed's (a sync message handler, on the sync workers) and
# Robyn 0.88's (a handler task per connection on the asyncio loop).
legacy = WebSocket(app, "/ws/legacy")


@legacy.on("message")
def legacy_echo(ws, msg):
    return msg


@app.websocket("/ws/echo")
async def ws_echo(websocket):
    while True:
        await websocket.send_text(await websocket.receive_text())


if __name__ == "__main__":
    app.start(port=8080)
