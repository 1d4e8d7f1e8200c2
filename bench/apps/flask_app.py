"""The benchmark routes in Flask: the same routes, the same work (workloads.py) and the same
bytes as bench_app.py (jsonify adds a final newline). Run by bench/run.sh under gunicorn:

    gunicorn --chdir bench/apps flask_app:app --bind 127.0.0.1:8000

/hooked/json is in a blueprint with one before_request and one after_request hook, like Robyn's
`before_request("/hooked/*")`. The async routes are Flask's async views (asgiref: each request
runs its coroutine on an event loop in a thread of its own). /db/users uses psycopg2 with a
ThreadedConnectionPool, opened in each worker process at its first request (after the fork),
with minconn = maxconn: psycopg2 closes a connection given back beyond minconn, so a smaller
minconn would reconnect on most requests. It needs BENCH_DATABASE_URL. Flask has no websockets."""
import asyncio
import os
import threading

from flask import Blueprint, Flask, g, request

import workloads

app = Flask(__name__, static_folder=os.path.join(os.path.dirname(os.path.abspath(__file__)), "static"))
_pool = None
_pool_lock = threading.Lock()


def pool():
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                from psycopg2.pool import ThreadedConnectionPool

                _pool = ThreadedConnectionPool(workloads.POOL_SIZE, workloads.POOL_SIZE, workloads.DATABASE_URL)
    return _pool


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
def db_users():
    page, per_page = workloads.paging(request.args.get("page"), request.args.get("per_page"))
    connection = pool().getconn()
    connection.autocommit = True  # no BEGIN/ROLLBACK: PostgreSQL sees the two statements asyncpg sends
    try:
        with connection.cursor() as cursor:
            cursor.execute(workloads.COUNT_SQL)
            total = cursor.fetchone()[0]
            cursor.execute(workloads.PAGE_SQL_PSYCOPG, (per_page, (page - 1) * per_page))
            rows = cursor.fetchall()
    finally:
        pool().putconn(connection)
    return workloads.page_body(rows, total, page, per_page)


hooked = Blueprint("hooked", __name__, url_prefix="/hooked")


@hooked.before_request
def tag_request():
    g.bench = "1"


@hooked.after_request
def tag_response(response):
    response.headers["x-bench"] = "1"
    return response


@hooked.get("/json")
def hooked_json():
    return {"hello": "world"}


app.register_blueprint(hooked)
