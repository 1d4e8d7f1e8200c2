"""Forms and files: multipart parsed by the gateway, urlencoded kept raw and parsed into form_data."""

import hashlib

from robyn import Request, Robyn

app = Robyn(__file__)


@app.post("/form")
def form(request: Request):
    return {
        "form": request.form_data,
        "files": {name: hashlib.sha256(content).hexdigest() for name, content in request.files.items()},
        "sizes": {name: len(content) for name, content in request.files.items()},
        "body_length": len(request.body),
    }


@app.post("/raw")
def raw(request: Request):
    return {"form": request.form_data, "body": request.body}


@app.get("/ping")
def ping():
    return "pong"
