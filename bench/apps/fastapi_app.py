"""The benchmark routes in FastAPI, as its documentation writes them: the same routes, the same
work (workloads.py) and the same bytes as bench_app.py. Run by bench/run.sh under uvicorn:

    python3 -m uvicorn --app-dir bench/apps fastapi_app:app --port 8000

/hooked/json sits in a sub-application mounted at /hooked, so that its middleware (the before
and the after part of one `@app.middleware("http")`) runs for that route only, like Robyn's
`before_request("/hooked/*")`. /db/users needs BENCH_DATABASE_URL (asyncpg)."""
import asyncio
import os

from fastapi import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastapi.staticfiles import StaticFiles

import workloads

app = FastAPI()
pool = None


@app.on_event("startup")
async def open_pool():
    global pool
    if workloads.DATABASE_URL:
        import asyncpg

        pool = await asyncpg.create_pool(workloads.DATABASE_URL, min_size=workloads.POOL_SIZE, max_size=workloads.POOL_SIZE)


@app.on_event("shutdown")
async def close_pool():
    if pool is not None:
        await pool.close()


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


@app.get("/db/users")
async def db_users(page: str = "", per_page: str = ""):
    page, per_page = workloads.paging(page, per_page)
    async with pool.acquire() as connection:
        total = await connection.fetchval(workloads.COUNT_SQL)
        rows = await connection.fetch(workloads.PAGE_SQL, per_page, (page - 1) * per_page)
    return workloads.page_body(rows, total, page, per_page)


@app.websocket("/ws/echo")
async def ws_echo(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass


hooked = FastAPI()


@hooked.middleware("http")
async def tag(request: Request, call_next):
    request.state.bench = "1"  # the "before" part
    response = await call_next(request)
    response.headers["x-bench"] = "1"  # the "after" part
    return response


@hooked.get("/json")
def hooked_json():
    return {"hello": "world"}


app.mount("/hooked", hooked)
app.mount("/static", StaticFiles(directory=os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")))
