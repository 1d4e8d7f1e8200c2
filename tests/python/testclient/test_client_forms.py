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


@app.post("/login")
def login(request: Request):
    body = request.body
    return {"form": request.form_data, "body": body if isinstance(body, str) else repr(body)}


def test_an_urlencoded_body_is_parsed_into_form_data_and_stays_raw_in_body():
    with TestClient(app) as client:
        raw = "user=ann+lee&next=%2Fhome%3Fa%3D1&empty=&user2=%C3%A9"
        body = client.post("/login", body=raw, headers={"Content-Type": "application/x-www-form-urlencoded"}).json()
        assert body == {"form": {"user": "ann lee", "next": "/home?a=1", "empty": "", "user2": "é"}, "body": raw}


def test_urlencoded_with_a_charset_parameter_and_a_repeated_name_keeps_the_last_value():
    with TestClient(app) as client:
        body = client.post("/login", body="a=1&a=2", headers={"Content-Type": "Application/X-WWW-Form-Urlencoded; charset=utf-8"}).json()
        assert body["form"] == {"a": "2"}


def test_malformed_urlencoded_bodies_give_what_can_be_read_and_never_a_500():
    with TestClient(app) as client:
        for raw, form in [("=&&=x&%zz=%G1&a", {"": "x", "%zz": "%G1", "a": ""}), ("\xff\xfe", {"\ufffd\ufffd": ""})]:
            answer = client.post("/login", body=raw.encode("latin-1"), headers={"Content-Type": "application/x-www-form-urlencoded"})
            assert answer.status_code == 200
            assert answer.json()["form"] == form
        assert client.post("/login", body="a=1").json()["form"] == {}  # not urlencoded: no form


def test_a_json_body_is_not_taken_for_a_form():
    with TestClient(app) as client:
        assert client.post("/login", json_data={"a": 1}).json()["form"] == {}
