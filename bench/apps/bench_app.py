"""Benchmark app: the same two JSON routes are served by bench/BareKestrel (the ceiling)."""
from robyn import Robyn

app = Robyn(__file__)


@app.get("/json")
def json_route():
    return {"hello": "world"}


@app.get("/async-json")
async def async_json():
    return {"hello": "world"}


if __name__ == "__main__":
    app.start(port=8080)
