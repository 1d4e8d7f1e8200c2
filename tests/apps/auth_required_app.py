# Marks a route auth_required: until authentication is served, the gateway must refuse to start
# rather than serve that route to anyone.
from robyn import Robyn

app = Robyn(__file__)


@app.get("/private", auth_required=True)
def private():
    return "only for the authenticated"


app.start()
