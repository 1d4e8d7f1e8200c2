"""The JWT guard on /api/*: missing, malformed, invalid and expired tokens are 401s."""

import os

import jwt
import pytest

from auth import issue_token


@pytest.mark.parametrize("header, why", [
    (None, "missing bearer token"),
    ("Bearer", "missing bearer token"),
    ("Basic dXNlcjpwYXNz", "missing bearer token"),
    ("Bearer not.a.jwt", "invalid token"),
])
def test_missing_or_malformed_token_is_401(client, header, why):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/users", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"error": why}
    assert response.headers.get("www-authenticate") == 'Bearer realm="users"'
    assert response.headers.get("x-powered-by") == "Robyn on RobynGateway"  # the after hook still ran


def test_token_signed_with_another_secret_is_401(client):
    token = issue_token("mallory", "not-the-secret")
    response = client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json() == {"error": "invalid token"}


def test_expired_token_is_401(client):
    token = issue_token("tester", os.environ["JWT_SECRET"], minutes=-1)
    response = client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json() == {"error": "token expired"}


def test_token_without_subject_or_expiry_is_401(client):
    token = jwt.encode({"sub": "tester"}, os.environ["JWT_SECRET"], algorithm="HS256")  # no exp
    response = client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_none_algorithm_is_refused(client):
    token = jwt.encode({"sub": "tester", "exp": 4102444800}, None, algorithm="none")
    assert client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_every_method_under_api_is_guarded(client):
    assert client.post("/api/v1/users", json={"name": "A", "email": "a@b.c"}).status_code == 401
    assert client.put("/api/v1/users/1", json={"name": "A", "email": "a@b.c"}).status_code == 401
    assert client.get("/api/v1/users/1").status_code == 401


def test_a_valid_token_passes(client, auth):
    assert client.get("/api/v1/users", headers=auth).status_code == 200


def test_outside_api_needs_no_token(client):
    assert client.get("/health").status_code == 200
