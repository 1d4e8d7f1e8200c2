"""The deep-dive document's application, started as the document starts it
(`DATABASE_URL=... JWT_SECRET=... python app.py`), answering over real sockets with four worker
processes (its `app.start(processes=4, workers=2)`) on a real PostgreSQL.

Needs DATABASE_URL (a database it may create another database in):
`bash scripts/postgres.sh /usr/bin/python3 -m pytest examples/deep_dive/tests`."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.dirname(HERE)
REPO_PACKAGE = os.path.normpath(os.path.join(EXAMPLE, os.pardir, os.pardir, "src", "python"))
SECRET = "deep-dive-secret"

if not os.environ.get("DATABASE_URL"):
    pytest.exit("DATABASE_URL is not set. From the repository: "
                "bash scripts/postgres.sh /usr/bin/python3 -m pytest examples/deep_dive/tests", returncode=4)

asyncpg = pytest.importorskip("asyncpg")
jwt = pytest.importorskip("jwt")
websocket = pytest.importorskip("websocket")


async def _fresh_database() -> str:
    """A database of its own with the document's table, so other tests' tables don't matter."""
    admin = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        await admin.execute("DROP DATABASE IF EXISTS deep_dive")
        await admin.execute("CREATE DATABASE deep_dive")
    finally:
        await admin.close()
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/deep_dive"
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL)")
    finally:
        await connection.close()
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    database_url = asyncio.run(_fresh_database())
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=database_url, JWT_SECRET=SECRET, ROBYN_HOST="127.0.0.1",
               ROBYN_PORT=str(port), PYTHONPATH=REPO_PACKAGE)
    process = subprocess.Popen([sys.executable, "app.py"], cwd=EXAMPLE, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 180  # four interpreters start on a 2-core CI machine
    while True:
        if process.poll() is not None:
            pytest.fail(f"the app exited with {process.returncode} before serving:\n{process.stdout.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the app did not listen on {port}:\n{process.stdout.read()}")
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", port, process
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("SIGTERM did not stop the app within 60 s")
    assert process.returncode == 0, output


def call(base, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def token(user_id=7, **claims):
    return jwt.encode({"user_id": user_id, "exp": int(time.time()) + 600, **claims}, SECRET, algorithm="HS256")


def test_the_api_refuses_requests_without_a_valid_token(server):
    base, _, _ = server
    status, headers, body = call(base, "GET", "/api/v1/users")
    assert (status, json.loads(body)) == (401, {"error": "missing token"})
    assert headers["X-Powered-By"] == "Robyn"  # the after hook runs for a before hook's answer too
    expired = jwt.encode({"user_id": 1, "exp": int(time.time()) - 5}, SECRET, algorithm="HS256")
    for bad in ("not-a-jwt", jwt.encode({"user_id": 1}, "other-secret", algorithm="HS256"), expired):
        status, _, body = call(base, "GET", "/api/v1/users", token=bad)
        assert (status, json.loads(body)) == (401, {"error": "invalid token"})


def test_create_list_and_update_users(server):
    base, _, _ = server
    status, _, body = call(base, "POST", "/api/v1/users", {"name": "Ann", "email": "ann@example.com"}, token())
    assert status == 201
    created = json.loads(body)
    assert created["name"] == "Ann" and isinstance(created["id"], int)

    status, headers, body = call(base, "GET", "/api/v1/users?page=1&per_page=10", token=token())
    assert status == 200 and headers["Content-Type"] == "application/json"
    listed = json.loads(body)
    assert {"id": created["id"], "name": "Ann", "email": "ann@example.com"} in listed["data"]
    assert listed["pagination"]["page"] == 1 and listed["pagination"]["total"] >= 1

    status, _, body = call(base, "PUT", f"/api/v1/users/{created['id']}", {"name": "Annie"}, token())
    assert (status, json.loads(body)) == (200, {"updated": True})
    status, _, body = call(base, "PUT", "/api/v1/users/999999", {"name": "Nobody"}, token())
    assert (status, json.loads(body)) == (404, {"error": "not found"})


def test_bad_input_gets_a_clear_answer_and_the_server_keeps_serving(server):
    base, _, _ = server
    status, _, body = call(base, "POST", "/api/v1/users", {"name": "No email"}, token())
    assert (status, json.loads(body)) == (422, {"error": "name and email required"})
    # A body that is not JSON fails in the handler: a plain 500, no traceback to the client.
    request = urllib.request.Request(base + "/api/v1/users", data=b"{not json", method="POST",
                                     headers={"Authorization": f"Bearer {token()}"})
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(request, timeout=30)
    assert failed.value.code == 500
    assert "Traceback" not in failed.value.read().decode()
    assert call(base, "GET", "/api/v1/users", token=token())[0] == 200


def test_the_websocket_echoes_and_broadcasts(server):
    _, port, _ = server
    url = f"ws://127.0.0.1:{port}/ws"
    ann, bo = websocket.create_connection(url, timeout=15), websocket.create_connection(url, timeout=15)
    try:
        assert ann.recv() == "Connected" and bo.recv() == "Connected"
        ann.send(json.dumps({"action": "echo", "text": "hi"}))
        assert json.loads(ann.recv()) == {"echo": "hi"}
        ann.send("not json")
        assert ann.recv() == "Invalid JSON"
        ann.send(json.dumps({"action": "broadcast", "text": "to all"}))
        # Both clients get it, whichever worker process each one is on.
        assert json.loads(bo.recv())["text"] == "to all"
        assert json.loads(ann.recv())["text"] == "to all"
    finally:
        ann.close()
        bo.close()


def test_static_files_come_from_public(server):
    base, _, _ = server
    with urllib.request.urlopen(base + "/static/", timeout=30) as answer:
        assert answer.status == 200 and "<h1>Users API</h1>" in answer.read().decode()
