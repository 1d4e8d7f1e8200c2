"""The users API: create, validation (422), pagination, read and update (404)."""

import asyncio
import os

import asyncpg


def create(client, auth, name, email):
    response = client.post("/api/v1/users", json={"name": name, "email": email}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_then_read(client, auth):
    user = create(client, auth, "Ann", "Ann@Example.com")
    assert user["id"] == 1 and user["name"] == "Ann" and user["email"] == "ann@example.com"
    assert user["created_at"]
    response = client.get(f"/api/v1/users/{user['id']}", headers=auth)
    assert response.status_code == 200 and response.json() == user


def test_create_answers_201_with_location(client, auth):
    response = client.post("/api/v1/users", json={"name": "Bo", "email": "bo@example.com"}, headers=auth)
    assert response.status_code == 201
    assert response.headers.get("location") == "/api/v1/users/1"
    assert response.headers.get("content-type") == "application/json"


def test_validation_is_422_with_every_problem(client, auth):
    response = client.post("/api/v1/users", json={"name": "  ", "email": "not-an-email"}, headers=auth)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "Validation Error"
    assert [problem["loc"] for problem in body["detail"]] == [["body", "name"], ["body", "email"]]


def test_validation_of_the_body_itself(client, auth):
    assert client.post("/api/v1/users", json=["a list"], headers=auth).status_code == 422
    assert client.post("/api/v1/users", json={"email": "x@y.z"}, headers=auth).status_code == 422
    assert client.post("/api/v1/users", json={"name": "x" * 101, "email": "x@y.z"}, headers=auth).status_code == 422
    response = client.post("/api/v1/users", body="{not json", headers={**auth, "content-type": "application/json"})
    assert response.status_code == 422 and response.json()["detail"][0]["msg"] == "the body is not valid JSON"


def test_duplicate_email_is_409(client, auth):
    create(client, auth, "Ann", "ann@example.com")
    response = client.post("/api/v1/users", json={"name": "Other", "email": "ANN@example.com"}, headers=auth)
    assert response.status_code == 409


async def _insert_many(count):
    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        await connection.executemany("INSERT INTO users (name, email) VALUES ($1, $2)",
                                     [(f"user{i:02}", f"user{i:02}@example.com") for i in range(1, count + 1)])
    finally:
        await connection.close()


def test_pagination(client, auth):
    asyncio.run(_insert_many(25))
    first = client.get("/api/v1/users", headers=auth).json()
    assert (first["page"], first["per_page"], first["total"], first["pages"]) == (1, 20, 25, 2)
    assert [user["name"] for user in first["items"]] == [f"user{i:02}" for i in range(1, 21)]

    second = client.get("/api/v1/users?page=2&per_page=20", headers=auth).json()
    assert [user["name"] for user in second["items"]] == [f"user{i:02}" for i in range(21, 26)]

    small = client.get("/api/v1/users", query_params={"page": 3, "per_page": 10}, headers=auth).json()
    assert [user["id"] for user in small["items"]] == [21, 22, 23, 24, 25] and small["pages"] == 3

    past_the_end = client.get("/api/v1/users?page=9", headers=auth).json()
    assert past_the_end["items"] == [] and past_the_end["total"] == 25


def test_pagination_parameters_are_validated(client, auth):
    for query in ("page=0", "page=x", "per_page=0", "per_page=101", "page=-1&per_page=abc"):
        response = client.get(f"/api/v1/users?{query}", headers=auth)
        assert response.status_code == 422, query
    assert len(client.get("/api/v1/users?page=-1&per_page=abc", headers=auth).json()["detail"]) == 2


def test_update(client, auth):
    user = create(client, auth, "Ann", "ann@example.com")
    response = client.put(f"/api/v1/users/{user['id']}", json={"name": "Annie", "email": "annie@example.com"}, headers=auth)
    assert response.status_code == 200
    assert response.json() == {**user, "name": "Annie", "email": "annie@example.com"}
    assert client.get(f"/api/v1/users/{user['id']}", headers=auth).json()["name"] == "Annie"


def test_update_of_a_missing_user_is_404(client, auth):
    response = client.put("/api/v1/users/42", json={"name": "Nobody", "email": "no@example.com"}, headers=auth)
    assert response.status_code == 404
    assert response.json() == {"error": "user 42 not found"}
    assert client.put("/api/v1/users/abc", json={"name": "N", "email": "n@example.com"}, headers=auth).status_code == 404
    assert client.get("/api/v1/users/42", headers=auth).status_code == 404


def test_update_validates_too(client, auth):
    user = create(client, auth, "Ann", "ann@example.com")
    assert client.put(f"/api/v1/users/{user['id']}", json={"name": "Ann"}, headers=auth).status_code == 422


def test_health_and_hook_headers(client):
    response = client.get("/health")
    assert response.json() == {"status": "ok"}
    assert response.headers.get("x-powered-by") == "Robyn on RobynGateway"
    assert response.headers.get("x-response-time").endswith("ms")


def test_static_directory(client):
    response = client.get("/static/")
    assert response.status_code == 200 and "<h1>Chat</h1>" in response.text
