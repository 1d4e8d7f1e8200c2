# Uses a before_request hook as a guard: a request without the token never reaches the handler.
from robyn import Robyn, Response

app = Robyn(__file__)


@app.before_request("/admin/*")
def require_token(request):
    if request.headers.get("x-token") != "secret":
        return Response(status_code=401, headers={}, description="Unauthorized")
    return request


@app.get("/admin/data")
def admin_data():
    return "secret data"


app.start()
