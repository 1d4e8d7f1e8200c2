# Startup and shutdown handlers, a slow route for drain tests, and a logging route.
import asyncio
import logging
import os
import time

from robyn import Robyn

app = Robyn(__file__)
state = {"started": False}
log = logging.getLogger("lifecycle_app")


@app.startup_handler
async def startup():
    await asyncio.sleep(0.3)  # the port must not open before this finishes
    state["started"] = True
    log.info("startup finished")


@app.shutdown_handler
def shutdown():
    marker = os.environ.get("SHUTDOWN_MARKER")
    if marker:
        with open(marker, "w") as f:
            f.write("shutdown ran")


@app.get("/started")
def started():
    return {"started": state["started"]}


@app.get("/slow")
async def slow():
    await asyncio.sleep(1.5)
    return "finished slowly"


@app.get("/very-slow")
async def very_slow():
    await asyncio.sleep(30)
    return "too late"


@app.get("/log")
def log_something():
    log.warning("a warning from python with %s", "arguments")
    return "logged"


@app.get("/raise")
def boom():
    raise RuntimeError("lifecycle handler exploded")


@app.get("/interpreter")
def interpreter():
    import sys
    return {"prefix": sys.prefix, "executable": sys.executable}


@app.get("/pid")
def pid():
    return str(os.getpid())


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=int(os.environ.get("APP_START_PORT", "8080")))
