"""The smallest Robyn app: what bench/memory.sh measures the gateway's own footprint with."""
from robyn import Robyn

app = Robyn(__file__)


@app.get("/")
def index():
    return "Hello, world"


if __name__ == "__main__":
    app.start()
