"""The app BridgeBench calls into: one sync JSON route, as bench/apps/bench_app.py's /json."""
from robyn import Robyn

app = Robyn(__file__)


@app.get("/json")
def json_route():
    return {"hello": "world"}
