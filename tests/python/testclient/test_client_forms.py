"""TestClient: form_data= and files= go as multipart/form-data, parsed by the gateway's C# reader."""

import io

from robyn import Request, Robyn
from robyn.testing import TestClient

app = Robyn(__file__)


@app.post("/upload")
def upload(request: Request):
    return {
        "form": request.form_data,
        "files": {name: content.decode() for name, content in request.files.items()},
        "type": request.headers.get("content-type").split(";")[0],
    }


def test_form_data():
    with TestClient(app) as client:
        body = client.post("/upload", form_data={"name": "pen", "colour": "blue"}).json()
        assert body == {"form": {"name": "pen", "colour": "blue"}, "files": {}, "type": "multipart/form-data"}


def test_files_in_robyn_shape_filename_to_content():
    with TestClient(app) as client:
        body = client.post("/upload", files={"notes.txt": b"hello", "b.txt": "text too"}).json()
        assert body["files"] == {"notes.txt": "hello", "b.txt": "text too"}


def test_form_and_files_together_and_a_file_object():
    with TestClient(app) as client:
        body = client.post("/upload", form_data={"k": "v"},
                           files={"upload": ("report.csv", io.BytesIO(b"a,b"), "text/csv")}).json()
        assert body["form"] == {"k": "v"}
        assert body["files"] == {"report.csv": "a,b"}
