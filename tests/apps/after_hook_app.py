# Uses an after_request hook only: served, with a warning that the hook does not run yet.
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
