"""TestClient with pydantic 2 models (skipped where pydantic is not installed, e.g. Debian's python3)."""

from typing import List

import pytest

pydantic = pytest.importorskip("pydantic", minversion="2")

from robyn import Robyn  # noqa: E402
from robyn.testing import TestClient  # noqa: E402


class Item(pydantic.BaseModel):
    name: str = pydantic.Field(min_length=1)
    price: float
    tags: List[str] = []


app = Robyn(__file__)


@app.post("/items")
def create(item: Item):
    return Item(name=item.name.upper(), price=item.price * 2, tags=item.tags)


def test_a_model_in_and_out():
    with TestClient(app) as client:
        response = client.post("/items", json={"name": "pen", "price": 1.5, "tags": ["x"]})
        assert response.status_code == 200
        assert response.json() == {"name": "PEN", "price": 3.0, "tags": ["x"]}


def test_an_invalid_model_is_the_servers_422():
    with TestClient(app) as client:
        response = client.post("/items", json={"name": "", "price": 1})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][0] == "name"
