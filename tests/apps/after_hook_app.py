# Uses a global after_request hook only: every answer, 404s included, carries its header.
from robyn import Robyn

app = Robyn(__file__)


@app.after_request()
def powered_by(response):
    response.headers.set("X-Powered-By", "Robyn")
    return response


@app.get("/")
def index():
    return "ok"


app.start()
