import hashlib
import json
import os
import secrets
import sqlite3
import time

import jwt
from robyn import Request, Response, Robyn, status_codes
from robyn.authentication import AuthenticationHandler, BearerGetter
from robyn.robyn import Identity

app = Robyn(__file__)

DB_PATH = os.getenv("DB_PATH", "notes.db")
JWT_SECRET = os.getenv("JWT_SECRET", "dev-secret")
TOKEN_TTL = 3600


def get_db():
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    return conn


def hash_password(password: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 10_000).hex()


def error(status: int, message: str) -> Response:
    return Response(status, {"Content-Type": "application/json"}, json.dumps({"error": message}))


@app.startup_handler
def init_db():
    with get_db() as conn:
        conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS users (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                username TEXT UNIQUE NOT NULL,
                salt TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL DEFAULT 'user'
            );
            CREATE TABLE IF NOT EXISTS notes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                text TEXT NOT NULL
            );
            """
        )


class JWTAuthHandler(AuthenticationHandler):
    def authenticate(self, request: Request):
        token = self.token_getter.get_token(request)
        if not token:
            return None
        try:
            payload = jwt.decode(token, JWT_SECRET, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        return Identity(claims={"user_id": str(payload["sub"]), "role": payload["role"]})


app.configure_authentication(JWTAuthHandler(token_getter=BearerGetter()))


def credentials(request: Request):
    try:
        data = request.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or len(password) < 8:
        return None
    return username, password


@app.post("/register")
def register(request: Request):
    given = credentials(request)
    if given is None:
        return error(status_codes.HTTP_400_BAD_REQUEST, "username and a password of 8+ characters required")
    username, password = given
    salt = secrets.token_hex(8)
    with get_db() as conn:
        first = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
        try:
            cursor = conn.execute(
                "INSERT INTO users (username, salt, password_hash, role) VALUES (?, ?, ?, ?)",
                (username, salt, hash_password(password, salt), "admin" if first else "user"),
            )
        except sqlite3.IntegrityError:
            return error(status_codes.HTTP_409_CONFLICT, "username taken")
    return Response(201, {"Content-Type": "application/json"},
                    json.dumps({"id": cursor.lastrowid, "username": username, "role": "admin" if first else "user"}))


@app.post("/login")
def login(request: Request):
    given = credentials(request)
    if given is None:
        return error(400, "username and password required")
    username, password = given
    with get_db() as conn:
        user = conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    if user is None or not secrets.compare_digest(user["password_hash"], hash_password(password, user["salt"])):
        return error(401, "invalid credentials")
    now = int(time.time())
    token = jwt.encode({"sub": str(user["id"]), "role": user["role"], "iat": now, "exp": now + TOKEN_TTL},
                       JWT_SECRET, algorithm="HS256")
    return {"access_token": token, "token_type": "bearer"}


@app.get("/me", auth_required=True)
def me(request: Request):
    return {"user_id": int(request.identity.claims["user_id"]), "role": request.identity.claims["role"]}


@app.get("/notes", auth_required=True)
def my_notes(request: Request):
    with get_db() as conn:
        rows = conn.execute("SELECT id, text FROM notes WHERE owner_id = ? ORDER BY id",
                            (int(request.identity.claims["user_id"]),)).fetchall()
    return [dict(row) for row in rows]


@app.post("/notes", auth_required=True)
def add_note(request: Request):
    try:
        text = request.json().get("text")
    except (ValueError, AttributeError):
        text = None
    if not isinstance(text, str) or not text.strip():
        return error(400, "text required")
    with get_db() as conn:
        cursor = conn.execute("INSERT INTO notes (owner_id, text) VALUES (?, ?)",
                              (int(request.identity.claims["user_id"]), text))
    return Response(201, {"Content-Type": "application/json"}, json.dumps({"id": cursor.lastrowid, "text": text}))


def require_admin(request: Request):
    if request.identity.claims.get("role") != "admin":
        return error(status_codes.HTTP_403_FORBIDDEN, "admin only")
    return None


@app.get("/admin/users", auth_required=True)
def list_users(request: Request):
    denied = require_admin(request)
    if denied:
        return denied
    with get_db() as conn:
        rows = conn.execute("SELECT id, username, role FROM users ORDER BY id").fetchall()
    return [dict(row) for row in rows]


@app.delete("/admin/users/:user_id", auth_required=True)
def delete_user(request: Request, user_id: int):
    denied = require_admin(request)
    if denied:
        return denied
    with get_db() as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        deleted = conn.execute("DELETE FROM users WHERE id = ?", (user_id,)).rowcount
    if not deleted:
        return error(404, "no such user")
    return {"deleted": user_id}


if __name__ == "__main__":
    app.start(host="0.0.0.0", port=int(os.getenv("PORT", "8080")))
