"""The seed's name for the test client: `from robyn.test import TestClient` (see robyn.testing)."""

from robyn.testing import TestClient, TestResponse

__all__ = ["TestClient", "TestResponse"]
