# ALLOW_CORS with one origin given as a string.
from robyn import ALLOW_CORS, Robyn

app = Robyn(__file__)
ALLOW_CORS(app, "https://only.example")


@app.get("/data")
def data():
    return "data"
