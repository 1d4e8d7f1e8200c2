# The application of the deep-dive document this project grew from (shared/robyn-deep-dive.txt),
# its code blocks pasted into one file in the document's order, unchanged. Only the imports the
# document leaves out (os, json, time, jwt) are added here, and the static directory's second
# `app = Robyn(__file__)` is left out so that the static mount joins the same app.
#
#   DATABASE_URL=postgresql://... JWT_SECRET=... python3 app.py
#
# needs asyncpg and PyJWT (Debian: python3-asyncpg python3-jwt) and a `users` table
# (id serial primary key, name text, email text).
import json
import os
import time

import jwt

from robyn import Robyn, Request, Response
from robyn.robyn import Headers

app = Robyn(__file__)

# Configuration
app.config = {
    "DATABASE_URL": os.environ["DATABASE_URL"],
    "JWT_SECRET": os.environ["JWT_SECRET"],
}

# Lifecycle management
@app.startup_handler
async def startup():
    import asyncpg
    app.state["db_pool"] = await asyncpg.create_pool(
        app.config["DATABASE_URL"],
        min_size=5,
        max_size=20,
    )

@app.shutdown_handler
async def shutdown():
    await app.state["db_pool"].close()

@app.get("/api/v1/users")
async def list_users(request: Request):
    """Query parameters from request."""
    page = int(request.query_params.get("page", "1"))
    per_page = min(int(request.query_params.get("per_page", "20")), 100)
    
    pool = app.state["db_pool"]
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT id, name, email FROM users LIMIT $1 OFFSET $2",
            per_page, (page - 1) * per_page
        )
        total = await conn.fetchval("SELECT COUNT(*) FROM users")
    
    return Response(
        status_code=200,
        headers=Headers({"Content-Type": "application/json"}),
        body=json.dumps({
            "data": [dict(r) for r in rows],
            "pagination": {"page": page, "total": total},
        }),
    )

@app.post("/api/v1/users")
async def create_user(request: Request):
    """JSON body parsing."""
    data = request.json()
    
    # Validation
    if not data.get("name") or not data.get("email"):
        return Response(
            status_code=422,
            body=json.dumps({"error": "name and email required"}),
        )
    
    pool = app.state["db_pool"]
    async with pool.acquire() as conn:
        user_id = await conn.fetchval(
            "INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id",
            data["name"], data["email"],
        )
    
    return Response(
        status_code=201,
        body=json.dumps({"id": user_id, "name": data["name"]}),
    )

@app.put("/api/v1/users/:user_id")
async def update_user(request: Request):
    user_id = int(request.path_params["user_id"])
    data = request.json()
    
    pool = app.state["db_pool"]
    async with pool.acquire() as conn:
        result = await conn.execute(
            "UPDATE users SET name = $1 WHERE id = $2",
            data.get("name"), user_id,
        )
    
    if result == "UPDATE 0":
        return Response(status_code=404, body='{"error": "not found"}')
    
    return Response(status_code=200, body=json.dumps({"updated": True}))

@app.before_request()
async def request_timer(request: Request):
    """Attach timing info to request."""
    request.headers["X-Start-Time"] = str(time.perf_counter())
    return request

@app.before_request("/api/*")
async def authenticate(request: Request):
    """Auth middleware for API routes only."""
    auth_header = request.headers.get("Authorization", "")
    if not auth_header.startswith("Bearer "):
        return Response(
            status_code=401,
            body='{"error": "missing token"}',
        )
    
    token = auth_header[7:]
    try:
        payload = jwt.decode(token, app.config["JWT_SECRET"], algorithms=["HS256"])
        request.headers["X-User-ID"] = str(payload["user_id"])
    except jwt.InvalidTokenError:
        return Response(
            status_code=401,
            body='{"error": "invalid token"}',
        )
    
    return request

@app.after_request()
async def add_timing_header(response: Response):
    """Add response timing header."""
    response.headers.set("X-Powered-By", "Robyn")
    return response

from robyn import WebSocket

websocket = WebSocket(app, "/ws")

@websocket.on("connect")
async def ws_connect(ws):
    print(f"Client connected: {ws.id}")
    return "Connected"

@websocket.on("message")
async def ws_message(ws, message):
    """Handle incoming WebSocket messages."""
    try:
        data = json.loads(message)
    except json.JSONDecodeError:
        return "Invalid JSON"
    
    action = data.get("action")
    
    if action == "broadcast":
        # Send to all connected clients
        for client_id in websocket.active_connections:
            websocket.send_to(client_id, json.dumps({
                "from": ws.id,
                "text": data.get("text", ""),
            }))
    elif action == "echo":
        return json.dumps({"echo": data.get("text", "")})
    
    return ""

@websocket.on("close")
async def ws_close(ws):
    print(f"Client disconnected: {ws.id}")
    return "Disconnected"

# Static file serving

app.serve_directory(
    route="/static",
    directory_path="./public",
    index_file="index.html",
)

app.start(
    host="0.0.0.0",
    port=8000,
    processes=4,  # Number of worker processes
    workers=2,    # Number of Rust threads per process
)
