# What a deployment test needs to see from inside the app: which process answered, the client
# address and scheme the app was given, and the forwarding headers that reached it; over HTTP and
# over a websocket.
import os

from robyn import Request, Robyn, WebSocketDisconnect

app = Robyn(__file__)


@app.get("/whoami")
def whoami(request: Request):
    return {
        "pid": os.getpid(),
        "ip": request.ip_addr,
        "scheme": request.url.scheme,
        "host": request.url.host,
        "forwarded_for": request.headers.get("x-forwarded-for"),
        "forwarded_proto": request.headers.get("x-forwarded-proto"),
        "request_id": request.request_id,
    }


@app.websocket("/ws")
async def ws(websocket):
    try:
        while True:
            text = await websocket.receive_text()
            await websocket.send_text(f"{os.getpid()} {websocket.ip_addr} {text}")
    except WebSocketDisconnect:
        pass


@app.get("/health")
def own_health():
    return "the app's own /health"


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
