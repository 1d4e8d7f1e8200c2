"""Signed-cookie sessions: a counter kept in the session (sync and async handlers), a page that
only reads it, and a logout that empties it."""

from robyn import Request, Robyn

app = Robyn(__file__)
app.configure_sessions("sessions-app-secret", cookie_name="sid")


@app.get("/counter")
def counter(request: Request):
    request.session["count"] = request.session.get("count", 0) + 1
    return {"count": request.session["count"]}


@app.get("/async-counter")
async def async_counter(request: Request):
    request.session["count"] = request.session.get("count", 0) + 1
    return {"count": request.session["count"]}


@app.get("/peek")
def peek(request: Request):
    return {"count": request.session.get("count")}


@app.post("/logout")
def logout(request: Request):
    request.session.clear()
    return "logged out"
