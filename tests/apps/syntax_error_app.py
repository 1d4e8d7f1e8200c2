from robyn import Robyn

app = Robyn(__file__)

@app.get("/")
def index(
    return "broken"
