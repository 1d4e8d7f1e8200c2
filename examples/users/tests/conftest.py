"""Fixtures for the users example's tests. They need a real PostgreSQL: DATABASE_URL must point at
a database they may empty (`bash scripts/postgres.sh ...` from the repository starts one)."""

import asyncio
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.dirname(HERE)
REPO_PACKAGE = os.path.normpath(os.path.join(EXAMPLE, os.pardir, os.pardir, "src", "python"))
sys.path.insert(0, EXAMPLE)
if os.path.isdir(os.path.join(REPO_PACKAGE, "robyn")):
    sys.path.insert(0, REPO_PACKAGE)  # inside the repository: its robyn package, whatever is installed

if not os.environ.get("DATABASE_URL"):
    pytest.exit("DATABASE_URL is not set. From the repository: "
                "bash scripts/postgres.sh /usr/bin/python3 -m pytest examples/users/tests", returncode=4)
os.environ.setdefault("JWT_SECRET", "test-secret")

import asyncpg  # noqa: E402

from auth import issue_token  # noqa: E402
from app import app  # noqa: E402
from robyn.test import TestClient  # noqa: E402


async def _reset_table() -> None:
    connection = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        await connection.execute("TRUNCATE users RESTART IDENTITY")
    finally:
        await connection.close()


@pytest.fixture
def client():
    """A TestClient on an empty users table (the app's startup handler makes the table)."""
    with TestClient(app) as client:
        asyncio.run(_reset_table())
        yield client


@pytest.fixture
def token() -> str:
    return issue_token("tester", os.environ["JWT_SECRET"])


@pytest.fixture
def auth(token) -> dict:
    return {"Authorization": f"Bearer {token}"}
