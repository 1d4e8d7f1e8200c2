# A const route whose one run at start raises: the gateway must refuse to start, naming it.
from robyn import Robyn

app = Robyn(__file__)


@app.get("/broken", const=True)
def broken():
    raise ValueError("the const handler broke")


app.start()
