# ALLOW_CORS with "*": any origin, answered with a literal "*" (never echoed with credentials).
from robyn import ALLOW_CORS, Robyn

app = Robyn(__file__)
ALLOW_CORS(app, "*")
app.serve_directory("/static", "static_files")


@app.get("/data")
def data():
    return {"ok": True}
