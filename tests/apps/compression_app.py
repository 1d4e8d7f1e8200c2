# Bodies worth compressing, for the --compression tests.
from robyn import Robyn

app = Robyn(__file__)
TEXT = "".join(f"line {i}: the quick brown fox jumps over the lazy dog\n" for i in range(200))


@app.get("/text")
def text():
    return TEXT


@app.get("/json")
def json_list():
    return {"items": [{"id": i, "name": f"item {i}"} for i in range(200)]}


@app.get("/bytes")
def raw_bytes():
    return b"\x00" * 4096
