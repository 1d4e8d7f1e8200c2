# Async routes that await, and sync routes that block, for the execution-model tests.
import asyncio
import threading
import time

from robyn import Robyn

app = Robyn(__file__)


@app.get("/async-sleep")
async def async_sleep():
    await asyncio.sleep(0.2)
    return "awake"


@app.get("/sync-block")
def sync_block():
    time.sleep(2.0)
    return threading.current_thread().name


@app.get("/async-quick")
async def async_quick():
    return "quick"


@app.get("/json")
def json_route():
    return {"hello": "world"}


app.start()
