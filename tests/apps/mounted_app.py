# An app a proxy mounts under a prefix (--root-path /api): its routes are written without it.
import os

from robyn import Request, Robyn

app = Robyn(__file__)


@app.get("/")
def index(request: Request):
    return {"path": request.url.path, "pid": os.getpid()}


@app.get("/items/:id")
def item(request: Request, id: str):
    return {"path": request.url.path, "id": id, "pid": os.getpid()}


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
