# auth_required without configure_authentication(): the route answers 500 and says why in the log.
from robyn import Robyn

app = Robyn(__file__)


@app.get("/private", auth_required=True)
def private():
    return "never reached"


@app.get("/public")
def public():
    return "public"
