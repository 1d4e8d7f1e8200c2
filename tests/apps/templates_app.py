"""Jinja2 templates: render() with the templates folder beside this file, a JinjaTemplate made
by hand, and a missing template. Needs jinja2 in the interpreter the gateway embeds."""

import os

from robyn import Request, Robyn
from robyn.templating import JinjaTemplate, render

app = Robyn(__file__)
jinja = JinjaTemplate(os.path.join(os.path.dirname(__file__), "templates"))


@app.get("/hello")
def hello(request: Request):
    return render("greeting.html", name=request.query_params.get("name", "world"))


@app.get("/by-hand")
async def by_hand():
    return jinja.render_template("greeting.html", name="<by hand>")


@app.get("/missing")
def missing():
    return render("no_such_template.html")
