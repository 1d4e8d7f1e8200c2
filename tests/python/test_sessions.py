"""Signed-cookie sessions: the cookie format, what a bad cookie gives, and the two
global hooks configure_sessions registers, run through the gateway's hook stages."""

import base64
import hashlib
import hmac
import json
import time

import pytest

import robyn
from robyn import Robyn, Session, SessionManager
from robyn.hooks import CONTINUE
from robyn.request import request_from_bridge
from robyn.response import Response
from test_bridge import fields, gateway, load  # noqa: F401 (fixtures)

SECRET = "test-secret"

APP = """
    from robyn import Robyn

    app = Robyn(__file__)
    manager = app.configure_sessions("test-secret")

    @app.get("/count")
    def count(request):
        request.session["count"] = request.session.get("count", 0) + 1
        return str(request.session["count"])

    @app.get("/read")
    def read(request):
        return repr(sorted(request.session.items()))

    @app.get("/logout")
    def logout(request):
        request.session.clear()
        return "bye"

    @app.get("/unserializable")
    def unserializable(request):
        request.session["when"] = object()
        return "set"
"""


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign(encoded: str, secret: str = SECRET) -> str:
    """Written out here, apart from the module, to pin the format."""
    key = hashlib.sha256(b"robyn.session" + secret.encode()).digest()
    return b64(hmac.new(key, encoded.encode(), hashlib.sha256).digest())


def cookie_for(envelope, secret: str = SECRET) -> str:
    encoded = b64(json.dumps(envelope).encode())
    return f"{encoded}.{sign(encoded, secret)}"


def request_with(cookie_header: str = ""):
    headers = f"cookie:{cookie_header}" if cookie_header else ""
    return request_from_bridge("GET", "/", "", headers, b"", (), (), "", "", "http")


def set_cookies(result):
    flat = result[1] or ()
    return [flat[i + 1] for i in range(0, len(flat), 2) if flat[i] == "set-cookie"]


def session_value(set_cookie: str, name: str = "session") -> str:
    first = set_cookie.split(";")[0]
    assert first.startswith(name + "=")
    return first[len(name) + 1:]


def run(app, path, cookie=""):
    """One request through the stages the gateway runs: before (the session hook), handle, after."""
    index = next(r[2] for r in app.routes if r[1] == path)
    exchange = app.exchange_type()
    before = app.before_sync(exchange, 0b1, index, *fields(path=path, headers=f"cookie:{cookie}" if cookie else ""))
    assert before is CONTINUE
    app.handle_sync(exchange, 0, index)
    return app.after_sync(exchange, 0b1, index)


# ---- The cookie value --------------------------------------------------------------------------


def test_round_trip():
    manager = SessionManager(SECRET)
    value = manager.dumps({"user": "ann", "n": 3, "tags": ["a", "b"]})
    assert manager.loads(value) == {"user": "ann", "n": 3, "tags": ["a", "b"]}
    assert manager.loads(value).modified is False


def test_the_value_is_base64url_json_with_expiry_then_an_hmac_sha256_signature():
    before = int(time.time())
    value = SessionManager(SECRET, max_age=60).dumps({"user": "ann"})
    encoded, signature = value.split(".")
    envelope = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert envelope["d"] == {"user": "ann"}
    assert before + 60 <= envelope["exp"] <= int(time.time()) + 60
    assert signature == sign(encoded)
    assert "=" not in value  # no padding: the value needs no quoting in a cookie


def test_a_value_signed_elsewhere_with_the_same_secret_is_accepted():
    cookie = cookie_for({"d": {"from": "robyn"}, "exp": int(time.time()) + 60})
    assert SessionManager(SECRET).loads(cookie) == {"from": "robyn"}


def test_without_max_age_there_is_no_expiry():
    value = SessionManager(SECRET, max_age=None).dumps({"a": 1})
    encoded = value.split(".")[0]
    assert "exp" not in json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert SessionManager(SECRET, max_age=None).loads(value) == {"a": 1}


def test_a_tampered_signature_gives_an_empty_session():
    manager = SessionManager(SECRET)
    value = manager.dumps({"admin": False})
    encoded, signature = value.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    assert manager.loads(f"{encoded}.{flipped}") == {}
    assert manager.loads(f"{encoded}.") == {}
    assert manager.loads(encoded) == {}


def test_a_tampered_payload_gives_an_empty_session():
    manager = SessionManager(SECRET)
    signature = manager.dumps({"admin": False}).split(".")[1]
    forged = b64(json.dumps({"d": {"admin": True}, "exp": int(time.time()) + 60}).encode())
    assert manager.loads(f"{forged}.{signature}") == {}


def test_another_secret_gives_an_empty_session():
    assert SessionManager("another").loads(SessionManager(SECRET).dumps({"a": 1})) == {}


def test_an_expired_cookie_gives_an_empty_session(monkeypatch):
    manager = SessionManager(SECRET, max_age=10)
    value = manager.dumps({"a": 1})
    monkeypatch.setattr(time, "time", lambda: 10 ** 10)
    assert manager.loads(value) == {}
    assert manager.loads(cookie_for({"d": {"a": 1}, "exp": 10 ** 10 - 1})) == {}
    assert manager.loads(cookie_for({"d": {"a": 1}, "exp": 10 ** 10 + 1})) == {"a": 1}


@pytest.mark.parametrize("value", [
    "",
    ".",
    "no-dot-at-all",
    "***.***",
    "session=x",
    "é.é",  # not ASCII: compare_digest would raise on it
])
def test_malformed_values_give_an_empty_session(value):
    assert SessionManager(SECRET).loads(value) == {}


@pytest.mark.parametrize("encoded", [
    "a",  # not base64 (one character too many for a group)
    "!!!!",  # base64 of nothing once the junk is dropped: not JSON
    b64(b"\xff\xfe\xfd"),  # not UTF-8
    b64(b"not json"),
    b64(b"[1, 2]"),  # JSON, but not an object
    b64(b'{"x": 1}'),  # no "d"
    b64(b'{"d": [1]}'),  # "d" not an object
    b64(b'{"d": {}, "exp": "tomorrow"}'),
    b64(b'{"d": {}, "exp": true}'),
    b64(b'{"d": {}, "exp": NaN}'),
    b64(b"[" * 100000 + b"]" * 100000),  # deeper than the JSON parser goes
])
def test_correctly_signed_but_malformed_payloads_give_an_empty_session(encoded):
    assert SessionManager(SECRET).loads(f"{encoded}.{sign(encoded)}") == {}


def test_unserializable_data_is_a_clear_type_error():
    with pytest.raises(TypeError, match="JSON-serializable"):
        SessionManager(SECRET).dumps({"x": object()})


# ---- The Session object ------------------------------------------------------------------------


def test_every_change_marks_the_session_modified():
    changes = [
        lambda s: s.__setitem__("a", 2),
        lambda s: s.__delitem__("a"),
        lambda s: s.pop("a"),
        lambda s: s.update(b=1),
        lambda s: s.setdefault("b", 1),
        lambda s: s.popitem(),
        lambda s: s.clear(),
    ]
    for change in changes:
        session = Session({"a": 1})
        change(session)
        assert session.modified, change


def test_reading_does_not_mark_the_session_modified():
    session = Session({"a": 1})
    assert session["a"] == 1 and session.get("b") is None and "a" in session and list(session) == ["a"]
    assert len(session) == 1 and session.to_dict() == {"a": 1} and dict(session) == {"a": 1}
    Session().clear()
    assert not session.modified and not Session().modified


# ---- Reading the request and writing the response ----------------------------------------------


def test_load_reads_the_named_cookie_among_others():
    manager = SessionManager(SECRET, cookie_name="sid")
    value = manager.dumps({"a": 1})
    assert manager.load(request_with(f"theme=dark; sid={value}; lang=en")) == {"a": 1}
    assert manager.load(request_with(f"session={value}")) == {}
    assert manager.load(request_with("")) == {}


def test_load_takes_the_first_of_several_same_named_cookies_that_verifies():
    manager = SessionManager(SECRET)
    good = manager.dumps({"a": 1})
    assert manager.load(request_with(f"session=stale.value; session={good}")) == {"a": 1}


def test_cookie_attributes_by_default():
    manager = SessionManager(SECRET)
    response = Response(200, None, "")
    session = Session()
    session["a"] = 1
    manager.save(session, response)
    (cookie,) = set_cookies(response._to_result())
    value = session_value(cookie)
    assert cookie == f"session={value}; Path=/; Max-Age=1209600; HttpOnly; SameSite=Lax"
    assert manager.loads(value) == {"a": 1}


def test_cookie_attributes_as_configured():
    manager = SessionManager(SECRET, cookie_name="sid", max_age=300, path="/app", domain="example.com",
                             secure=True, http_only=False, same_site="strict")
    response = Response(200, None, "")
    session = Session()
    session["a"] = 1
    manager.save(session, response)
    (cookie,) = set_cookies(response._to_result())
    assert cookie == f"sid={session_value(cookie, 'sid')}; Path=/app; Domain=example.com; Max-Age=300; Secure; SameSite=Strict"


def test_same_site_none_needs_secure():
    with pytest.raises(ValueError, match="secure=True"):
        SessionManager(SECRET, same_site="None")
    assert SessionManager(SECRET, same_site="none", secure=True).same_site == "None"


@pytest.mark.parametrize("options", [{"same_site": "sometimes"}, {"cookie_name": "a b"}, {"cookie_name": ""}])
def test_bad_options_are_refused_at_once(options):
    with pytest.raises(ValueError):
        SessionManager(SECRET, **options)


def test_an_empty_secret_is_refused():
    with pytest.raises(ValueError, match="secret_key"):
        SessionManager("")


# ---- configure_sessions and the hooks, as the gateway runs them --------------------------------


def test_sessions_are_exported_from_robyn():
    assert {"Session", "SessionManager"} <= set(robyn.__all__)
    from robyn.session import Session as S, SessionManager as M
    assert (S, M) == (Session, SessionManager)


def test_configure_sessions_registers_one_global_before_and_one_global_after_hook(load):
    app = load(APP)
    assert app.hooks == (("before", None, False, -1), ("after", None, False, -1))


def test_configure_sessions_returns_the_manager_and_refuses_a_second_call(tmp_path):
    app = Robyn(str(tmp_path / "app.py"))
    manager = app.configure_sessions(SECRET, cookie_name="sid")
    assert isinstance(manager, SessionManager) and manager.cookie_name == "sid"
    with pytest.raises(RuntimeError, match="already"):
        app.configure_sessions(SECRET)
    assert len(app.before_request_middlewares) == len(app.after_request_middlewares) == 1


def test_configure_sessions_with_same_site_none_needs_secure(tmp_path):
    app = Robyn(str(tmp_path / "app.py"))
    with pytest.raises(ValueError, match="secure=True"):
        app.configure_sessions(SECRET, same_site="None")
    assert app.session_manager is None and not app.before_request_middlewares  # nothing half-done
    app.configure_sessions(SECRET, same_site="None", secure=True)


def test_a_counter_kept_in_the_cookie_across_requests(load):
    app = load(APP)
    cookie = ""
    for expected in (b"1", b"2", b"3"):
        result = run(app, "/count", cookie)
        assert result[2] == expected
        (set_cookie,) = set_cookies(result)
        cookie = "session=" + session_value(set_cookie)


def test_the_handler_sees_the_cookies_data(load):
    app = load(APP)
    cookie = cookie_for({"d": {"user": "ann"}, "exp": int(time.time()) + 60})
    result = run(app, "/read", f"other=1; session={cookie}")
    assert result[2] == b"[('user', 'ann')]"


def test_no_cookie_is_written_when_nothing_changed(load):
    app = load(APP)
    cookie = cookie_for({"d": {"user": "ann"}, "exp": int(time.time()) + 60})
    assert set_cookies(run(app, "/read", f"session={cookie}")) == []
    assert set_cookies(run(app, "/read")) == []


def test_a_tampered_cookie_starts_a_fresh_session(load):
    app = load(APP)
    cookie = cookie_for({"d": {"count": 41}, "exp": int(time.time()) + 60}, secret="not ours")
    result = run(app, "/count", f"session={cookie}")
    assert result[2] == b"1"


def test_an_emptied_session_gets_an_empty_cookie_with_max_age_0(load):
    app = load(APP)
    cookie = cookie_for({"d": {"user": "ann"}, "exp": int(time.time()) + 60})
    result = run(app, "/logout", f"session={cookie}")
    assert set_cookies(result) == ["session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"]


def test_unserializable_session_data_is_a_500_that_says_why(load):
    app = load(APP)
    result = run(app, "/unserializable")
    assert result[0] == 500 and "JSON-serializable" in result[4]


def test_a_before_hook_that_answers_first_leaves_no_session_and_the_after_hook_copes(load):
    app = load("""
        from robyn import Robyn, Response

        app = Robyn(__file__)

        @app.before_request()
        def gate(request):
            return Response(403, {}, "no")

        app.configure_sessions("test-secret")
    """)
    exchange = app.exchange_type()
    answer = app.before_sync(exchange, 0b11, -1, *fields(path="/"))
    assert answer[:3] == (403, (), b"no")
    result = app.after_sync(exchange, 0b1, -1)
    assert result[:3] == (403, (), b"no")


def test_the_session_works_beside_async_hooks_and_handlers_on_the_loop(load, gateway):
    app = load("""
        from robyn import Robyn

        app = Robyn(__file__)
        app.configure_sessions("test-secret")

        @app.before_request()
        async def also(request):
            return request

        @app.get("/")
        async def index(request):
            request.session["seen"] = True
            return "ok"
    """)
    app.start_loop()
    exchange = app.exchange_type()
    app.loop.call_soon_threadsafe(app.before_async, 1, exchange, 0b11, 0, *fields())
    assert gateway.wait_for(1)[1] is CONTINUE
    app.loop.call_soon_threadsafe(app.handle_async, 2, exchange, 0, 0)
    assert gateway.wait_for(2)[2][2] == b"ok"
    app.loop.call_soon_threadsafe(app.after_async, 3, exchange, 0b1, 0)
    done = gateway.wait_for(3)
    (set_cookie,) = set_cookies(done[3])
    assert SessionManager(SECRET).loads(session_value(set_cookie)) == {"seen": True}
