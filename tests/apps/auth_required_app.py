# The authentication example from Robyn's docs, unchanged: auth_required routes answer 401
# without a good token, and the handler sees request.identity with one.
from typing import Optional

from robyn import Request, Robyn
from robyn.authentication import AuthenticationHandler, BearerGetter, Identity


class BasicAuthHandler(AuthenticationHandler):
    def authenticate(self, request: Request) -> Optional[Identity]:
        token = self.token_getter.get_token(request)
        if token == "valid":
            return Identity(claims={"key": "value"})
        return None


app = Robyn(__file__)
app.configure_authentication(BasicAuthHandler(token_getter=BearerGetter()))


@app.get("/auth", auth_required=True)
async def auth(request: Request):
    return {"claims": request.identity.claims}


app.start()
