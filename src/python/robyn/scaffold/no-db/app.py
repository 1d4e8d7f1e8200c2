from robyn import Robyn

app = Robyn(__file__)


@app.get("/")
def index():
    return "Hello World!"


@app.get("/hello/:name")
def hello(request):
    return {"message": f"Hello, {request.path_params['name']}!"}


if __name__ == "__main__":
    # ROBYN_HOST / ROBYN_PORT (the Docker image sets them) win over these.
    app.start(host="0.0.0.0", port=8080)
