"""Authentication: auth_required per route and method, sync and async handlers, a sub-router that
inherits the app's handler, and a second app-level hook that runs after the check."""

from robyn import Request, Robyn, SubRouter
from robyn.authentication import AuthenticationHandler, BearerGetter, Identity

checks = {"count": 0}


class TokenAuth(AuthenticationHandler):
    async def authenticate(self, request: Request):
        checks["count"] += 1
        token = self.token_getter.get_token(request)
        return Identity(claims={"user": token[len("user-"):]}) if token and token.startswith("user-") else None


app = Robyn(__file__)
app.configure_authentication(TokenAuth(token_getter=BearerGetter()))


@app.before_request("/private/*")
def stamp(request: Request):
    request.headers.set("x-seen-identity", request.identity.claims["user"] if request.identity else "none")
    return request


@app.get("/checks")
def count():
    return str(checks["count"])


@app.get("/private/me", auth_required=True)
def me(request: Request):
    return {"user": request.identity.claims["user"], "stamp": request.headers.get("x-seen-identity")}


@app.get("/private/open")
def open_route(request: Request):
    return "open to all"


@app.post("/private/me")
def post_me(request: Request):
    return "POST is not guarded"


reports = SubRouter("/reports")


@reports.get("/:id", auth_required=True)
async def report(request: Request, id: str):
    return f"report {id} for {request.identity.claims['user']}"


app.include_router(reports)


