# The app from Robyn's getting-started page, unchanged but for the comments.
from robyn import Robyn

app = Robyn(__file__)


@app.get("/")
async def h(request):
    return "Hello, world!"


app.start(port=8080)
