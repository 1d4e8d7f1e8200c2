import json
import os
import sqlite3
from contextlib import closing

from robyn import Request, Response, Robyn

# One file beside the app, unless DATABASE_PATH says otherwise (the Docker image keeps it in /data).
DATABASE_PATH = os.environ.get("DATABASE_PATH") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "app.db")

app = Robyn(__file__)


def connect() -> sqlite3.Connection:
    connection = sqlite3.connect(DATABASE_PATH, timeout=10)
    connection.row_factory = sqlite3.Row
    return connection


def json_response(status: int, body) -> Response:
    return Response(status, {"Content-Type": "application/json"}, json.dumps(body))


@app.startup_handler
def create_tables():
    with closing(connect()) as db, db:
        db.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL)")


@app.get("/")
def index():
    return "Hello World!"


@app.get("/notes")
def list_notes():
    with closing(connect()) as db:
        rows = db.execute("SELECT id, text FROM notes ORDER BY id").fetchall()
    return {"notes": [dict(row) for row in rows]}


@app.post("/notes")
def add_note(request: Request):
    try:
        body = request.json()
    except ValueError:
        return json_response(400, {"error": "the body must be JSON: {\"text\": \"...\"}"})
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return json_response(400, {"error": "\"text\" must be a non-empty string"})
    with closing(connect()) as db, db:
        note_id = db.execute("INSERT INTO notes (text) VALUES (?)", (text.strip(),)).lastrowid
    return json_response(201, {"id": note_id, "text": text.strip()})


if __name__ == "__main__":
    # ROBYN_HOST / ROBYN_PORT (the Docker image sets them) win over these.
    app.start(host="0.0.0.0", port=8080)
