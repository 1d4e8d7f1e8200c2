"""const=True routes: run once at start, then answered without running the handler again."""

from robyn import Response, Robyn

app = Robyn(__file__)
runs = {"const": 0, "async_const": 0, "hooked_const": 0, "plain": 0}
app.set_response_header("x-global", "app")


@app.startup_handler
def startup():
    app.state["greeting"] = "made at start"


@app.get("/const", const=True)
def const_route():
    runs["const"] += 1
    return {"greeting": app.state["greeting"], "run": runs["const"]}


@app.get("/async-const", const=True)
async def async_const():
    runs["async_const"] += 1
    return Response(201, {"x-const": "yes"}, f"async run {runs['async_const']}")


@app.before_request("/hooked/*")
def count_hook(request):
    request.headers.set("x-hooked", "1")
    return request


@app.after_request("/hooked/*")
def mark(response):
    response.headers.set("x-after", "ran")
    return response


@app.get("/hooked/const", const=True)
def hooked_const():
    runs["hooked_const"] += 1
    return f"hooked run {runs['hooked_const']}"


@app.get("/runs")
def report():
    return runs
