# ALLOW_CORS with a list of origins and an extra header; no OPTIONS route anywhere.
from robyn import ALLOW_CORS, Headers, Response, Robyn

app = Robyn(__file__)
ALLOW_CORS(app, ["https://allowed.example", "https://second.example"], headers=["X-Custom"])
app.serve_directory("/static", "static_files")


@app.get("/data")
def data():
    return {"ok": True}


@app.post("/data")
def post_data():
    return "posted"


@app.get("/own-cors")
def own_cors():
    return Response(200, Headers({"access-control-allow-origin": "https://custom.example", "vary": "Origin"}), "own")


@app.get("/vary-language")
def vary_language():
    return Response(200, Headers({"vary": "Accept-Language"}), "varies")
