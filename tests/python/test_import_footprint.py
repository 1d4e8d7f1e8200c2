"""What `import robyn._bridge` (every gateway process that runs Python) loads for an app that uses
no MCP, no test client, no sessions' launcher and no uuid/decimal types: the modules kept out of
it stay out (each is memory in every worker, bench/memory.sh), and the names stay importable.

Each check runs in a fresh interpreter: this test process has imported half the stdlib already."""

import os
import subprocess
import sys

import pytest

PACKAGE = os.path.join(os.path.dirname(__file__), "..", "..", "src", "python")

# Loaded on first use only (robyn.__getattr__, Robyn.mcp, the launcher's functions) or looked up
# in sys.modules instead of imported (jsonify, the OpenAPI schemas).
KEPT_OUT = ["robyn.mcp", "robyn.testing", "uuid", "decimal", "platform", "shutil", "bz2", "lzma", "shlex"]


def run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": os.path.abspath(PACKAGE)}, cwd=os.path.dirname(__file__))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_hello_app_loads_none_of_them():
    loaded = run(
        "import sys, robyn._bridge\n"
        "from robyn import Robyn\n"
        "app = Robyn('app.py')\n"
        "@app.get('/')\n"
        "def index():\n"
        "    return 'Hello, world'\n"
        f"print(' '.join(m for m in {KEPT_OUT!r} if m in sys.modules))"
    )
    assert loaded == ""


@pytest.mark.parametrize("statement, name", [
    ("from robyn import MCPApp", "MCPApp"),
    ("from robyn import TestClient", "TestClient"),
    ("from robyn import *", "MCPApp"),
])
def test_the_names_still_import(statement, name):
    assert run(f"{statement}\nprint({name}.__module__)") in ("robyn.mcp", "robyn.testing")


def test_app_mcp_loads_it_on_first_use():
    assert run(
        "import sys\nfrom robyn import Robyn\napp = Robyn('app.py')\nbefore = 'robyn.mcp' in sys.modules\n"
        "mcp = app.mcp\nprint(before, type(mcp).__name__, app.mcp is mcp)"
    ) == "False MCPApp True"


def test_stdlib_types_still_serialise_and_document_once_imported():
    out = run(
        "import datetime, decimal, uuid\n"
        "from robyn.jsonify import jsonify\n"
        "from robyn._openapi_schema import Schemas\n"
        "print(jsonify([uuid.UUID(int=1), datetime.date(2024, 1, 2)]))\n"
        "s = Schemas({})\n"
        "print(s.of(uuid.UUID), s.of(decimal.Decimal), s.of(datetime.datetime))"
    )
    assert out.splitlines() == [
        '["00000000-0000-0000-0000-000000000001","2024-01-02"]',
        "{'type': 'string', 'format': 'uuid'} {'type': 'number'} {'type': 'string', 'format': 'date-time'}",
    ]
