"""A third-party style app (tests/apps/openapi_thirdparty_app.py: pydantic models, response_model,
responses= with models, app.router / app.included_routers / get_openapi_config at import) started
for real through the gateway, as `python3 app.py`; and apps whose docs break, which still serve.

Real processes on loopback, each ended by its pid. Needs pydantic 2 in the python3 on PATH."""

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from test_launcher_process import SRC, free_port

APPS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "apps"))


def python_with_pydantic2():
    for candidate in ("python3", "/usr/bin/python3"):
        path = shutil.which(candidate)
        if path is None:
            continue
        probe = subprocess.run([path, "-c", "import pydantic, sys; print(pydantic.VERSION[0], sys.executable)"],
                               capture_output=True, text=True, timeout=30)
        if probe.returncode == 0 and probe.stdout.startswith("2 "):
            return probe.stdout.split(" ", 1)[1].strip()
    return None


PYTHON = python_with_pydantic2()
pytestmark = pytest.mark.skipif(PYTHON is None, reason="needs a python3 with pydantic 2")


class Served:
    """`python3 app.py --port P` (the robyn package on PYTHONPATH execs the gateway)."""

    def __init__(self, app_path, cwd):
        self.port = free_port()
        env = {**os.environ, "PYTHONPATH": SRC, "ROBYN_CLI": ""}
        for name in ("ROBYN_PYTHON", "ROBYN_GATEWAY", "ROBYN_GATEWAY_CMD", "ROBYN_PORT", "ROBYN_HOST"):
            env.pop(name, None)
        self.process = subprocess.Popen([PYTHON, str(app_path), "--port", str(self.port), "--log-level", "WARNING"],
                                        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output = ""

    def get(self, path, headers=None, data=None, deadline=None):
        deadline = deadline or time.monotonic() + 120
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers=headers or {}, data=data)
        while True:
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                return error.code, error.read()
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"not serving: {self.stop()}") from None
                time.sleep(0.05)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.output, _ = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output, _ = self.process.communicate(timeout=30)
        return self.output


@pytest.fixture(scope="module")
def bookshelf():
    served = Served(os.path.join(APPS, "openapi_thirdparty_app.py"), APPS)
    try:
        served.get("/openapi.json")
        yield served
    finally:
        served.stop()


def test_the_spec_documents_models_response_models_responses_and_security(bookshelf):
    status, body = bookshelf.get("/openapi.json")
    spec = json.loads(body)
    assert status == 200
    assert spec["info"] == {"title": "Bookshelf", "version": "3.1.4",
                            "contact": {"name": "Shelf team", "email": "shelf@example.com"}}
    get_book = spec["paths"]["/books/{book_id}"]["get"]
    assert get_book["parameters"] == [{"name": "book_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    ok = get_book["responses"]["200"]["content"]["application/json"]["schema"]
    assert (ok["title"], ok["properties"]["author"]) == ("BookOut", {"$ref": "#/components/schemas/Author"})
    not_found = get_book["responses"]["404"]
    assert not_found["description"] == "No such book"
    assert not_found["content"]["application/json"]["schema"]["title"] == "ErrorModel"
    assert get_book["responses"]["500"] == {"description": "Shelf on fire"}
    add = spec["paths"]["/books"]["post"]
    assert add["requestBody"]["content"]["application/json"]["schema"]["title"] == "BookIn"
    assert list(add["responses"]) == ["201"] and add["security"] == [{"BearerAuth": []}] and add["tags"] == ["books"]
    assert spec["paths"]["/admin/stats"]["get"]["tags"] == ["admin", "get"]
    assert spec["paths"]["/admin/stats"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "type": "object", "additionalProperties": {"type": "integer"}}
    components = spec["components"]
    assert {"Author", "Genre", "Extra"} <= set(components["schemas"])
    assert components["securitySchemes"] == {"BearerAuth": {"type": "http", "scheme": "bearer"}}


def test_the_internals_read_at_import_and_the_docs_page(bookshelf):
    status, body = bookshelf.get("/import-time")
    answer = json.loads(body)
    assert status == 200
    assert "/books/{book_id}" in answer["paths"]
    assert answer["routes"] == [["GET", "/books/:book_id"], ["POST", "/books"], ["GET", "/books/:book_id/broken"],
                                ["GET", "/async/books/:book_id"], ["GET", "/books/:book_id/handled"],
                                ["GET", "/admin/stats"]]
    status, page = bookshelf.get("/docs")
    assert status == 200 and b"<title>Bookshelf</title>" in page


def test_a_dict_return_goes_through_the_response_model(bookshelf):
    status, body = bookshelf.get("/books/1")
    assert status == 200
    assert json.loads(body) == {"id": 1, "title": "Dune", "author": {"name": "Frank Herbert", "born": None}}  # no shelf
    assert bookshelf.get("/async/books/1") == (status, body)  # async handlers too
    status, body = bookshelf.get("/books/9")
    assert (status, json.loads(body)) == (404, {"detail": "no such book"})  # a tuple return is left as it is
    book = json.dumps({"title": "Emma", "author": {"name": "Jane Austen", "born": "1775-12-16"}}).encode()
    status, body = bookshelf.get("/books", {"Authorization": "Bearer good", "Content-Type": "application/json"}, book)
    assert status == 201
    assert json.loads(body) == {"id": 2, "title": "Emma", "author": {"name": "Jane Austen", "born": "1775-12-16"}}


def test_a_return_that_does_not_validate_is_a_500_without_a_traceback_and_the_app_keeps_serving(bookshelf):
    status, body = bookshelf.get("/books/1/broken")
    assert (status, body) == (500, b"Internal server error")
    assert bookshelf.get("/books/1")[0] == 200
    # As in Robyn, the validation error goes to the exception handler when there is one.
    status, body = bookshelf.get("/books/1/handled")
    assert (status, json.loads(body)) == (502, {"error": "ValidationError"})


BROKEN_DOCS_APP = '''
from robyn import Robyn
from robyn.types import JsonBody

app = Robyn(__file__)


class Order(JsonBody):
    item: "NoSuchItem"


@app.post("/orders")
def order(body: Order) -> "NoSuchReceipt":
    return {"ordered": body}


@app.get("/")
def index():
    return "still serving"


if __name__ == "__main__":
    app.start()
'''


def test_an_app_whose_docs_break_starts_and_serves_with_warnings(tmp_path):
    (tmp_path / "app.py").write_text(BROKEN_DOCS_APP)
    (tmp_path / "openapi.json").write_text('{"openapi": "3.1.0", "info": ')  # not JSON
    served = Served(tmp_path / "app.py", tmp_path)
    try:
        assert served.get("/") == (200, b"still serving")
        status, body = served.get("/openapi.json")
        operation = json.loads(body)["paths"]["/orders"]["post"]
        assert status == 200
        assert operation["requestBody"]["content"]["application/json"]["schema"]["properties"] == {"item": {}}
    finally:
        output = served.stop()
    assert served.process.returncode == 0, output
    assert "openapi.json is not used, the generated spec is served" in output
    assert "OpenAPI: POST /orders:" in output and "NoSuchItem" in output
    assert "Traceback" not in output
