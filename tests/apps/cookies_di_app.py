"""Cookies and dependency injection through the gateway."""

from robyn import Response, Robyn, SubRouter

app = Robyn(__file__)
app.inject_global(greeting="hello")
app.inject(db="app-db")


@app.get("/cookies")
def cookies():
    response = Response(200, {}, "cookies set")
    response.set_cookie("session", "abc", path="/", domain="example.test", max_age=3600,
                        secure=True, http_only=True, same_site="Strict")
    response.set_cookie("theme", "light")
    response.set_cookie("theme", "dark", same_site="lax")  # a second set of one name overwrites
    response.set_cookie("dropped", "x", same_site="sideways")  # an unknown SameSite drops the cookie
    return response


@app.get("/deps")
def deps(global_dependencies, router_dependencies):
    return {"global": global_dependencies["greeting"], "router": router_dependencies["db"]}


reports = SubRouter("/reports")
reports.inject(db="reports-db")


@reports.get("/deps")
async def report_deps(global_dependencies, router_dependencies):
    return {"global": global_dependencies["greeting"], "router": router_dependencies["db"]}


app.include_router(reports)
