# Routes for the routing tests: every verb, path params, wildcards and priorities.
from robyn import Robyn

app = Robyn(__file__)


@app.get("/")
def root():
    return "root"


@app.get("/items")
def list_items():
    return "get items"


@app.post("/items")
def create_item():
    return "post items"


@app.put("/items")
def put_item():
    return "put items"


@app.delete("/items")
def delete_item():
    return "delete items"


@app.patch("/items")
def patch_item():
    return "patch items"


@app.head("/items")
def head_item():
    return "head items"


@app.options("/items")
def options_item():
    return "options items"


@app.get("/users/:id")
def user(request):
    return "user " + request.path_params["id"]


@app.get("/users/me")
def me():
    return "static me"


@app.get("/users/:id/posts/:post")
def user_post(id, post):
    return f"user {id} post {post}"


@app.get("/files/*path")
def files(request):
    return "file " + request.path_params["path"]


@app.get("/files/special")
def special_file():
    return "static special"


@app.get("/echo-path")
def echo_path(request):
    return request.url.path


@app.get("/only-get")
def only_get():
    return "only get"


if __name__ == "__main__":
    app.start(port=8080)
