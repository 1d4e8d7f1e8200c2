"""Benchmark app: bench/BareKestrel serves the same routes with the same bytes (the ceiling), and
fastapi_app.py, starlette_app.py and flask_app.py the same routes with the same work in their
frameworks (the work itself is in workloads.py).

/json and /async-json measure the plain dispatch path; /hooked/json the same sync handler behind
one before and one after hook (the cost of two more stages); /static/hello.json a file that
ASP.NET Core serves without Python; /cpu about 1 ms of pure Python; /async-sleep a handler that
awaits 1 ms; /db/users the seed's page of users from PostgreSQL (asyncpg; needs
BENCH_DATABASE_URL); /ws/legacy and /ws/echo a websocket echo in each API."""
import asyncio
import os

import workloads
from robyn import Request, Robyn, WebSocket

app = Robyn(__file__)
app.serve_directory("/static", os.path.join(os.path.dirname(os.path.abspath(__file__)), "static"))


@app.get("/json")
def json_route():
    return {"hello": "world"}


@app.get("/async-json")
async def async_json():
    return {"hello": "world"}


@app.get("/cpu")
def cpu():
    return workloads.burn()


@app.get("/async-sleep")
async def async_sleep():
    await asyncio.sleep(workloads.SLEEP_SECONDS)
    return workloads.HELLO


# One asyncpg pool per process, opened on the app's event loop; asyncpg is imported only when a
# database is configured, so the app also runs on a Python without it.
@app.startup_handler
async def open_pool():
    if workloads.DATABASE_URL:
        import asyncpg

        app.state["pool"] = await asyncpg.create_pool(workloads.DATABASE_URL, min_size=workloads.POOL_SIZE, max_size=workloads.POOL_SIZE)


@app.shutdown_handler
async def close_pool():
    pool = app.state.pop("pool", None)
    if pool is not None:
        await pool.close()


@app.get("/db/users")
async def db_users(request: Request):
    page, per_page = workloads.paging(request.query_params.get("page", ""), request.query_params.get("per_page", ""))
    async with app.state["pool"].acquire() as connection:
        total = await connection.fetchval(workloads.COUNT_SQL)
        rows = await connection.fetch(workloads.PAGE_SQL, per_page, (page - 1) * per_page)
    return workloads.page_body(rows, total, page, per_page)


@app.before_request("/hooked/*")
def tag_request(request):
    request.headers.set("x-bench", "1")
    return request


@app.after_request("/hooked/*")
def tag_response(response):
    response.headers.set("x-bench", "1")
    return response


@app.get("/hooked/json")
def hooked_json():
    return {"hello": "world"}


# WebSocket echo, both APIs: the seed's (a sync message handler, on the sync workers) and
# Robyn 0.88's (a handler task per connection on the asyncio loop).
legacy = WebSocket(app, "/ws/legacy")


@legacy.on("message")
def legacy_echo(ws, msg):
    return msg


@app.websocket("/ws/echo")
async def ws_echo(websocket):
    while True:
        await websocket.send_text(await websocket.receive_text())


if __name__ == "__main__":
    app.start(port=8080)
