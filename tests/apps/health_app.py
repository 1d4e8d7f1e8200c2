# Every request that reaches Python is refused by a global before hook, so any 200 comes from the
# gateway itself. The app's own /healthz route collides with a --health-path of /healthz.
from robyn import Request, Response, Robyn

app = Robyn(__file__)


@app.before_request()
def refuse_everything(request: Request):
    return Response(403, {}, "refused by the app's hook")


@app.get("/healthz")
def app_healthz():
    return "the app's own /healthz"


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
