# ALLOW_CORS with "*": any origin, echoed because credentials are allowed.
from robyn import ALLOW_CORS, Robyn

app = Robyn(__file__)
ALLOW_CORS(app, "*")


@app.get("/data")
def data():
    return {"ok": True}
