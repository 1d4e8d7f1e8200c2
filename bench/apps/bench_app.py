"""Benchmark app: bench/BareKestrel serves the same routes with the same bytes (the ceiling).

/json and /async-json measure the plain dispatch path; /hooked/json the same sync handler behind
one before and one after hook (the cost of two more stages); /static/hello.json a file that
ASP.NET Core serves without Python."""
import os

from robyn import Robyn

app = Robyn(__file__)
app.serve_directory("/static", os.path.join(os.path.dirname(os.path.abspath(__file__)), "static"))


@app.get("/json")
def json_route():
    return {"hello": "world"}


@app.get("/async-json")
async def async_json():
    return {"hello": "world"}


@app.before_request("/hooked/*")
def tag_request(request):
    request.headers.set("x-bench", "1")
    return request


@app.after_request("/hooked/*")
def tag_response(response):
    response.headers.set("x-bench", "1")
    return response


@app.get("/hooked/json")
def hooked_json():
    return {"hello": "world"}


if __name__ == "__main__":
    app.start(port=8080)
