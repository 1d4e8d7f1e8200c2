"""tests/wild/jwt_roles: JWT logins with roles on SQLite, started as `JWT_SECRET=... python app.py`."""

import json
import os
import time
import urllib.error
import urllib.request

import pytest

from wildrun import HERE, python, stop

jwt = pytest.importorskip("jwt")
APP = os.path.join(HERE, "jwt_roles")
SECRET = "wild-secret"


def call(base, method, path, body=None, token=None, raw=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        text = error.read().decode()
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, text


@pytest.fixture
def app(serve, tmp_path):
    running = serve([python, "app.py"], APP, env={"JWT_SECRET": SECRET, "DB_PATH": str(tmp_path / "notes.db")})
    yield running.base
    assert "Traceback" not in stop(running)


def login(base, username, password="correct horse"):
    assert call(base, "POST", "/register", {"username": username, "password": password})[0] in (201, 409)
    status, body = call(base, "POST", "/login", {"username": username, "password": password})
    assert status == 200, body
    return body["access_token"]


def test_the_first_user_is_admin_and_roles_gate_the_admin_routes(app):
    admin, user = login(app, "ada"), login(app, "bob")
    assert call(app, "GET", "/me", token=admin)[1]["role"] == "admin"
    assert call(app, "GET", "/me", token=user)[1]["role"] == "user"
    status, users = call(app, "GET", "/admin/users", token=admin)
    assert status == 200 and [u["username"] for u in users] == ["ada", "bob"]
    assert call(app, "GET", "/admin/users", token=user) == (403, {"error": "admin only"})
    bob_id = users[1]["id"]
    assert call(app, "DELETE", f"/admin/users/{bob_id}", token=user) == (403, {"error": "admin only"})
    assert call(app, "DELETE", f"/admin/users/{bob_id}", token=admin) == (200, {"deleted": bob_id})
    assert call(app, "DELETE", f"/admin/users/{bob_id}", token=admin) == (404, {"error": "no such user"})
    assert call(app, "DELETE", "/admin/users/not-a-number", token=admin)[0] == 400


def test_notes_are_private_to_their_owner(app):
    ann, cy = login(app, "ann"), login(app, "cy")
    assert call(app, "POST", "/notes", {"text": "ann's secret"}, ann)[0] == 201
    assert call(app, "POST", "/notes", {"text": "cy's note"}, cy)[0] == 201
    assert [n["text"] for n in call(app, "GET", "/notes", token=ann)[1]] == ["ann's secret"]
    assert [n["text"] for n in call(app, "GET", "/notes", token=cy)[1]] == ["cy's note"]


def test_tokens_that_are_missing_forged_or_expired_get_401(app):
    login(app, "dan")
    forged = jwt.encode({"sub": "1", "role": "admin", "exp": int(time.time()) + 60}, "guessed", algorithm="HS256")
    expired = jwt.encode({"sub": "1", "role": "admin", "exp": int(time.time()) - 1}, SECRET, algorithm="HS256")
    for token in (None, "garbage", forged, expired):
        status, body = call(app, "GET", "/admin/users", token=token)
        assert status == 401 and "Traceback" not in str(body)


def test_bad_registrations_and_logins_get_clear_errors(app):
    assert call(app, "POST", "/register", {"username": "eve", "password": "short"})[0] == 400
    assert call(app, "POST", "/register", raw=b"{not json")[0] == 400
    assert call(app, "POST", "/register", ["a", "list"])[0] == 400
    assert call(app, "POST", "/register", {"username": "eve", "password": "long enough"})[0] == 201
    assert call(app, "POST", "/register", {"username": "eve", "password": "long enough"}) == (409, {"error": "username taken"})
    assert call(app, "POST", "/login", {"username": "eve", "password": "wrong password"}) == (401, {"error": "invalid credentials"})
    assert call(app, "POST", "/login", {"username": "nobody", "password": "long enough"})[0] == 401
    token = login(app, "eve", "long enough")
    assert call(app, "POST", "/notes", {"text": "  "}, token) == (400, {"error": "text required"})
    assert call(app, "POST", "/notes", raw=b"\xff\xfe", token=token) == (400, {"error": "text required"})
    assert call(app, "GET", "/me", token=token)[0] == 200  # still serving
