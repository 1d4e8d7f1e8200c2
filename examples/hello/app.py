"""A first Robyn app: run it with

    dotnet run --project src/RobynGateway -- examples/hello/app.py

then try  curl localhost:8080/  and the routes below.
"""
import asyncio
import logging

from robyn import Request, Response, Robyn

app = Robyn(__file__)
log = logging.getLogger("hello")
app.state["visits"] = 0


@app.startup_handler
async def startup():
    log.info("hello app is ready")


@app.get("/")
def index():
    app.state["visits"] += 1
    return {"message": "Hello from Robyn on Kestrel", "visits": app.state["visits"]}


@app.get("/hello/:name")
def greet(name: str, excited: bool = False):
    return f"Hello, {name}{'!' if excited else '.'}"


@app.get("/slow")
async def slow(seconds: float = 0.5):
    await asyncio.sleep(min(seconds, 5))
    return {"slept": seconds}


@app.post("/echo")
def echo(request: Request):
    try:
        data = request.json()
    except ValueError as error:
        return Response(status_code=400, headers={"content-type": "text/plain"}, description=str(error))
    return {"you_sent": data}


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
