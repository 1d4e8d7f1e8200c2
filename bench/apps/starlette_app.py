"""The benchmark routes in plain Starlette: the same routes, the same work (workloads.py) and the
same bytes as bench_app.py. Run by bench/run.sh under uvicorn:

    python3 -m uvicorn --app-dir bench/apps starlette_app:app --port 8000

As in Starlette, a sync endpoint runs in the thread pool. /hooked/json sits in a mounted
sub-application with one middleware (its before and after part). /db/users needs
BENCH_DATABASE_URL (asyncpg)."""
import asyncio
import os

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocketDisconnect

import workloads

pool = None


async def open_pool():
    global pool
    if workloads.DATABASE_URL:
        import asyncpg

        pool = await asyncpg.create_pool(workloads.DATABASE_URL, min_size=workloads.POOL_SIZE, max_size=workloads.POOL_SIZE)


async def close_pool():
    if pool is not None:
        await pool.close()


def json_route(request):
    return JSONResponse({"hello": "world"})


async def async_json(request):
    return JSONResponse({"hello": "world"})


def cpu(request):
    return JSONResponse(workloads.burn())


async def async_sleep(request):
    await asyncio.sleep(workloads.SLEEP_SECONDS)
    return JSONResponse(workloads.HELLO)


async def db_users(request):
    page, per_page = workloads.paging(request.query_params.get("page"), request.query_params.get("per_page"))
    async with pool.acquire() as connection:
        total = await connection.fetchval(workloads.COUNT_SQL)
        rows = await connection.fetch(workloads.PAGE_SQL, per_page, (page - 1) * per_page)
    return JSONResponse(workloads.page_body(rows, total, page, per_page))


async def ws_echo(websocket):
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass


async def tag(request, call_next):
    request.state.bench = "1"  # the "before" part
    response = await call_next(request)
    response.headers["x-bench"] = "1"  # the "after" part
    return response


hooked = Starlette(routes=[Route("/json", json_route)], middleware=[Middleware(BaseHTTPMiddleware, dispatch=tag)])

app = Starlette(
    routes=[
        Route("/json", json_route),
        Route("/async-json", async_json),
        Route("/cpu", cpu),
        Route("/async-sleep", async_sleep),
        Route("/db/users", db_users),
        WebSocketRoute("/ws/echo", ws_echo),
        Mount("/hooked", app=hooked),
        Mount("/static", app=StaticFiles(directory=os.path.join(os.path.dirname(os.path.abspath(__file__)), "static"))),
    ],
    on_startup=[open_pool],
    on_shutdown=[close_pool],
)
