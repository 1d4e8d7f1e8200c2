"""A users API on PostgreSQL: the seed's example, complete.

    GET  /api/v1/users?page=1&per_page=20   a page of users (per_page up to 100)
    POST /api/v1/users                      {"name": ..., "email": ...} -> 201; 422 when invalid
    GET  /api/v1/users/:user_id             404 when missing
    PUT  /api/v1/users/:user_id             {"name": ..., "email": ...}; 404 when missing
    WS   /ws?name=ann                       a chat: your message is echoed to you, the others get it
    GET  /static/                           a page to try the chat; GET /health checks the database

Everything under /api needs `Authorization: Bearer <token>` (HS256, signed with JWT_SECRET;
make one with `python3 make_token.py alice`). Configuration comes from the environment:
DATABASE_URL (postgresql://user@host:port/db) and JWT_SECRET. Run it with

    DATABASE_URL=... JWT_SECRET=... dotnet run --project src/RobynGateway -- examples/users/app.py --python /usr/bin/python3

It needs asyncpg and PyJWT in the Python the gateway embeds (Debian: python3-asyncpg, python3-jwt).
"""

import contextvars
import json
import logging
import os
import time

import asyncpg
import jwt

from auth import verify_token
from robyn import Request, Response, Robyn, WebSocket
from validation import pagination, user_fields

app = Robyn(__file__)
log = logging.getLogger("users")
HERE = os.path.dirname(os.path.abspath(__file__))
app.serve_directory("/static", os.path.join(HERE, "static"), index_file="index.html")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id         serial PRIMARY KEY,
    name       text NOT NULL,
    email      text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
)"""
COLUMNS = "id, name, email, created_at"


def required_env(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise RuntimeError(f"{name} is not set: the users example needs DATABASE_URL and JWT_SECRET in its environment")
    return value


# ---- Lifecycle: one connection pool per process -------------------------------------------------


@app.startup_handler
async def open_pool():
    app.state["jwt_secret"] = required_env("JWT_SECRET")
    app.state["pool"] = pool = await asyncpg.create_pool(required_env("DATABASE_URL"), min_size=1, max_size=10)
    await pool.execute(SCHEMA)
    log.info("database ready")


@app.shutdown_handler
async def close_pool():
    pool = app.state.pop("pool", None)
    if pool is not None:
        await pool.close()


def db() -> asyncpg.Pool:
    return app.state["pool"]


# ---- Hooks: timing, authentication, X-Powered-By ------------------------------------------------

started = contextvars.ContextVar("started")  # one context spans a request's hooks and handler


@app.before_request()
def start_timer(request: Request):
    started.set(time.perf_counter())
    return request


@app.before_request("/api/*")
def require_token(request: Request):
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return unauthorized("missing bearer token")
    try:
        claims = verify_token(token.strip(), app.state["jwt_secret"])
    except jwt.ExpiredSignatureError:
        return unauthorized("token expired")
    except jwt.InvalidTokenError:
        return unauthorized("invalid token")
    request.headers["x-user"] = str(claims["sub"])  # the handlers see who asked
    return request


@app.after_request()
def finish(request: Request, response: Response):
    elapsed_ms = (time.perf_counter() - started.get(time.perf_counter())) * 1000
    response.headers.set("X-Response-Time", f"{elapsed_ms:.2f}ms")
    response.headers.set("X-Powered-By", "Robyn on RobynGateway")
    log.info("%s %s %s %.2fms", request.method, request.url.path, response.status_code, elapsed_ms)
    return response


def unauthorized(why: str) -> Response:
    return json_error(401, why, {"WWW-Authenticate": 'Bearer realm="users"'})


def json_error(status: int, error: str, headers=None, **extra) -> Response:
    body = json_body({"error": error, **extra})
    return Response(status, {"content-type": "application/json", **(headers or {})}, body)


def json_body(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def invalid(problems) -> Response:
    return json_error(422, "Validation Error", detail=problems)


def as_json(row) -> dict:
    return {"id": row["id"], "name": row["name"], "email": row["email"], "created_at": row["created_at"].isoformat()}


def user_from_body(request: Request):
    """The user fields of a JSON body, or the 422 that says what is wrong with it."""
    try:
        data = request.json()
    except ValueError:
        return None, invalid([{"loc": ["body"], "msg": "the body is not valid JSON"}])
    fields, problems = user_fields(data)
    return (None, invalid(problems)) if problems else (fields, None)


def user_id_of(request: Request):
    text = request.path_params["user_id"]
    return int(text) if text.isdigit() and len(text) < 10 else None


# ---- The users API ------------------------------------------------------------------------------


@app.get("/health")
async def health():
    await db().fetchval("SELECT 1")
    return {"status": "ok"}


@app.get("/api/v1/users")
async def list_users(request: Request):
    paging, problems = pagination(request.query_params)
    if problems:
        return invalid(problems)
    page, per_page = paging
    async with db().acquire() as connection:
        total = await connection.fetchval("SELECT count(*) FROM users")
        rows = await connection.fetch(
            f"SELECT {COLUMNS} FROM users ORDER BY id LIMIT $1 OFFSET $2", per_page, (page - 1) * per_page)
    return {
        "items": [as_json(row) for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": (total + per_page - 1) // per_page,
    }


@app.post("/api/v1/users")
async def create_user(request: Request):
    fields, error = user_from_body(request)
    if error:
        return error
    try:
        row = await db().fetchrow(
            f"INSERT INTO users (name, email) VALUES ($1, $2) RETURNING {COLUMNS}", fields["name"], fields["email"])
    except asyncpg.UniqueViolationError:
        return json_error(409, f"{fields['email']} is already registered")
    return Response(201, {"content-type": "application/json", "location": f"/api/v1/users/{row['id']}"},
                    json_body(as_json(row)))


@app.get("/api/v1/users/:user_id")
async def get_user(request: Request):
    user_id = user_id_of(request)
    row = None if user_id is None else await db().fetchrow(f"SELECT {COLUMNS} FROM users WHERE id = $1", user_id)
    if row is None:
        return json_error(404, f"user {request.path_params['user_id']} not found")
    return as_json(row)


@app.put("/api/v1/users/:user_id")
async def update_user(request: Request):
    user_id = user_id_of(request)
    if user_id is None:
        return json_error(404, f"user {request.path_params['user_id']} not found")
    fields, error = user_from_body(request)
    if error:
        return error
    try:
        row = await db().fetchrow(
            f"UPDATE users SET name = $2, email = $3 WHERE id = $1 RETURNING {COLUMNS}",
            user_id, fields["name"], fields["email"])
    except asyncpg.UniqueViolationError:
        return json_error(409, f"{fields['email']} is already registered")
    if row is None:
        return json_error(404, f"user {user_id} not found")
    return as_json(row)


# ---- A websocket chat ---------------------------------------------------------------------------

chat = WebSocket(app, "/ws")
names = {}  # connection id -> the name it joined with (this process's clients)


@chat.on("connect")
def join(ws):
    names[ws.id] = ws.query_params.get("name", "") or f"guest-{ws.id[:8]}"
    return f"welcome {names[ws.id]}"


@chat.on("message")
def say(ws, msg):
    """Echo to the sender, and the message with its author's name to everyone else."""
    for client_id in chat.active_connections:
        if client_id != ws.id:
            chat.send_to(client_id, f"{names.get(ws.id, ws.id)}: {msg}")
    return f"echo: {msg}"


@chat.on("close")
def leave(ws):
    names.pop(ws.id, None)


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
