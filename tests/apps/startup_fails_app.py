from robyn import Robyn

app = Robyn(__file__)


@app.startup_handler
def startup():
    raise ConnectionError("database is unreachable")


@app.get("/")
def index():
    return "never served"


app.start()
