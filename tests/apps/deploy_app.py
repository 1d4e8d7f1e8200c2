# What a deployment test needs to see from inside the app: which process answered, the client
# address and scheme the app was given, and the forwarding headers that reached it.
import os

from robyn import Request, Robyn

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
    }


@app.get("/health")
def own_health():
    return "the app's own /health"


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
