"""Pydantic 2 models as handler parameters and return values."""

from typing import List

from pydantic import BaseModel, Field

from robyn import Robyn

app = Robyn(__file__)


class Item(BaseModel):
    name: str = Field(min_length=1)
    price: float
    tags: List[str] = []


@app.post("/items")
def create(item: Item):
    return Item(name=item.name.upper(), price=item.price * 2, tags=item.tags)


@app.get("/items")
async def listing():
    return [Item(name="a", price=1.0), Item(name="b", price=2.5, tags=["x"])]
