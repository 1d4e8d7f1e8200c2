import json
import logging
import os

from robyn import Request, Response, Robyn

# postgresql://user:password@host:port/database; compose.yaml sets it for the container.
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres:postgres@localhost:5432/postgres")

app = Robyn(__file__)
log = logging.getLogger("app")


def json_response(status: int, body) -> Response:
    return Response(status, {"Content-Type": "application/json"}, json.dumps(body))


def connect():
    # Imported here so the app starts (and "/" answers) before the driver or the database is there.
    import psycopg2

    return psycopg2.connect(DATABASE_URL, connect_timeout=5)


def with_database(work):
    """Runs work(cursor) in a transaction; a database that cannot be reached is a 503, not a traceback."""
    try:
        connection = connect()
    except Exception as error:  # ImportError (no psycopg2) or psycopg2.OperationalError
        log.error("database unavailable: %s", error)
        return json_response(503, {"error": "the database is unavailable"})
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS users (id SERIAL PRIMARY KEY, name TEXT NOT NULL)")
            return work(cursor)
    finally:
        connection.close()


@app.get("/")
def index():
    return "Hello World!"


@app.get("/users")
def list_users():
    def work(cursor):
        cursor.execute("SELECT id, name FROM users ORDER BY id")
        return {"users": [{"id": row[0], "name": row[1]} for row in cursor.fetchall()]}

    return with_database(work)


@app.post("/users")
def add_user(request: Request):
    try:
        body = request.json()
    except ValueError:
        return json_response(400, {"error": "the body must be JSON: {\"name\": \"...\"}"})
    name = body.get("name") if isinstance(body, dict) else None
    if not isinstance(name, str) or not name.strip():
        return json_response(400, {"error": "\"name\" must be a non-empty string"})

    def work(cursor):
        cursor.execute("INSERT INTO users (name) VALUES (%s) RETURNING id", (name.strip(),))
        return json_response(201, {"id": cursor.fetchone()[0], "name": name.strip()})

    return with_database(work)


if __name__ == "__main__":
    # ROBYN_HOST / ROBYN_PORT (the Docker image sets them) win over these.
    app.start(host="0.0.0.0", port=8080)
