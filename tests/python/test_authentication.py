"""Authentication as the gateway runs it: a before hook bound to each auth_required route."""

import pytest

from robyn.authentication import AuthenticationHandler, BearerGetter, TokenGetter
from robyn.hooks import CONTINUE
from robyn.request import request_from_bridge
from test_bridge import fields, gateway, load  # noqa: F401 (fixtures)

AUTH_APP = """
    from robyn import Robyn, SubRouter
    from robyn.authentication import AuthenticationHandler, BearerGetter, Identity

    class TokenAuth(AuthenticationHandler):
        def authenticate(self, request):
            token = self.token_getter.get_token(request)
            return Identity(claims={"user": token}) if token == "good" else None

    app = Robyn(__file__)
    app.configure_authentication(TokenAuth(token_getter=BearerGetter()))

    @app.get("/open")
    def open_route():
        return "open"

    @app.post("/private", auth_required=True)
    def private(request):
        return request.identity.claims["user"]

    sub = SubRouter("/sub")

    @sub.get("/inside", auth_required=True)
    def inside(request):
        return "inside " + request.identity.claims["user"]

    app.include_router(sub)
"""


def index_of(app, method, path):
    return next(r[2] for r in app.routes if r[0] == method and r[1] == path)


def test_each_auth_required_route_gets_one_before_hook_bound_to_it(load):
    app = load(AUTH_APP)
    bound = [h for h in app.hooks if h[3] >= 0]
    assert bound == [
        ("before", None, False, index_of(app, "POST", "/private")),
        ("before", None, False, index_of(app, "GET", "/sub/inside")),
    ]


def test_a_missing_or_wrong_token_is_401_with_the_getters_scheme(load):
    app = load(AUTH_APP)
    private = index_of(app, "POST", "/private")
    mask = 1 << next(i for i, h in enumerate(h for h in app.hooks if h[0] == "before") if h[3] == private)
    for headers in ("", "authorization:Bearer bad", "authorization:Basic good"):
        answer = app.before_sync(app.exchange_type(), mask, private, *fields("POST", "/private", headers=headers))
        assert answer[:3] == (401, ("www-authenticate", "BearerGetter"), b"Unauthorized")


def test_a_good_token_goes_on_with_the_identity(load):
    app = load(AUTH_APP)
    private = index_of(app, "POST", "/private")
    mask = 1 << next(i for i, h in enumerate(h for h in app.hooks if h[0] == "before") if h[3] == private)
    exchange = app.exchange_type()
    assert app.before_sync(exchange, mask, private, *fields("POST", "/private", headers="authorization:Bearer good")) is CONTINUE
    assert app.handle_sync(exchange, 0, private)[2] == b"good"


def test_a_sub_router_included_into_the_app_uses_the_apps_handler(load):
    app = load(AUTH_APP)
    inside = index_of(app, "GET", "/sub/inside")
    mask = 1 << next(i for i, h in enumerate(h for h in app.hooks if h[0] == "before") if h[3] == inside)
    exchange = app.exchange_type()
    assert app.before_sync(exchange, mask, inside, *fields(path="/sub/inside", headers="authorization:Bearer good")) is CONTINUE
    assert app.handle_sync(exchange, 0, inside)[2] == b"inside good"


def test_auth_required_without_a_handler_is_a_500_naming_the_problem(load):
    app = load("""
        from robyn import Robyn
        app = Robyn(__file__)

        @app.get("/private", auth_required=True)
        def private():
            return "x"
    """)
    answer = app.before_sync(app.exchange_type(), 1, 0, *fields(path="/private"))
    assert answer[0] == 500 and "configure_authentication() was never called" in answer[4]


def test_async_authenticate_makes_an_async_hook(load):
    app = load("""
        from robyn import Robyn
        from robyn.authentication import AuthenticationHandler, BearerGetter

        class Never(AuthenticationHandler):
            async def authenticate(self, request):
                return None

        app = Robyn(__file__)
        app.configure_authentication(Never(BearerGetter()))

        @app.get("/private", auth_required=True)
        async def private():
            return "x"
    """)
    assert app.hooks == (("before", None, True, 0),)


def test_bearer_getter_reads_and_writes_the_authorization_header():
    request = request_from_bridge("GET", "/", "", "authorization:Bearer abc", b"", (), (), "", "", "http")
    assert BearerGetter.get_token(request) == "abc"
    BearerGetter.set_token(request, "xyz")
    assert request.headers.get("authorization") == "Bearer xyz"
    assert BearerGetter().scheme == "BearerGetter"


def test_the_handler_and_getter_are_abstract():
    with pytest.raises(TypeError):
        AuthenticationHandler(BearerGetter())
    with pytest.raises(TypeError):
        TokenGetter()
