"""An app written the way third-party Robyn 0.88 apps are: pydantic models, response_model,
responses= with models, and the OpenAPI internals read at import time (needs pydantic 2)."""

import datetime
import enum
from typing import Optional

from pydantic import BaseModel, Field

from robyn import Robyn, SubRouter
from robyn.authentication import AuthenticationHandler, BearerGetter, Identity
from robyn.openapi import Components, Contact, OpenAPI, OpenAPIInfo

app = Robyn(
    __file__,
    openapi=OpenAPI(
        info=OpenAPIInfo(
            title="Bookshelf",
            version="3.1.4",
            contact=Contact(name="Shelf team", email="shelf@example.com"),
            components=Components(schemas={"Extra": {"type": "object"}}),
        )
    ),
)


class Genre(enum.Enum):
    NOVEL = "novel"
    POETRY = "poetry"


class Author(BaseModel):
    name: str
    born: Optional[datetime.date] = None


class BookIn(BaseModel):
    title: str = Field(min_length=1)
    author: Author
    genre: Genre = Genre.NOVEL


class BookOut(BaseModel):
    id: int
    title: str
    author: Author


class ErrorModel(BaseModel):
    detail: str


class Tokens(AuthenticationHandler):
    def authenticate(self, request):
        return Identity(claims={"user": "ann"}) if self.token_getter.get_token(request) == "good" else None


app.configure_authentication(Tokens(token_getter=BearerGetter()))
BOOKS = {1: {"id": 1, "title": "Dune", "author": {"name": "Frank Herbert"}, "shelf": "B2"}}


@app.get("/books/:book_id", response_model=BookOut,
         responses={404: {"description": "No such book", "model": ErrorModel}, 500: "Shelf on fire"})
def get_book(book_id: int):
    """One book (the shelf it is on is internal: response_model leaves it out)"""
    book = BOOKS.get(book_id)
    if book is None:
        return {"detail": "no such book"}, {"content-type": "application/json"}, 404
    return book


@app.post("/books", status_code=201, response_model=BookOut, auth_required=True, openapi_tags=["books"])
def add_book(body: BookIn):
    return {"id": len(BOOKS) + 1, "title": body.title, "author": body.author.model_dump()}


@app.get("/books/:book_id/broken", response_model=BookOut)
def broken_book(book_id: int):
    """Returns a dict that does not validate against its response_model"""
    return {"id": "not a number"}


@app.get("/async/books/:book_id", response_model=BookOut)
async def get_book_async(book_id: int):
    return BOOKS[book_id]


def answer_invalid(error):
    return {"error": type(error).__name__}, {"content-type": "application/json"}, 502


app.exception(answer_invalid)  # covers the routes registered from here on


@app.get("/books/:book_id/handled", response_model=BookOut)
def handled_book(book_id: int):
    return {"id": "not a number"}


admin = SubRouter(prefix="/admin", tags=["admin"])


@admin.get("/stats")
def stats() -> dict[str, int]:
    return {"books": len(BOOKS)}


app.include_router(admin)

# What apps do at import: document the routes now and read the spec (e.g. to dump it).
app.router.prepare_routes_openapi(app.openapi, app.included_routers)
SPEC_AT_IMPORT = app.openapi.get_openapi_config()
ROUTES_AT_IMPORT = [(r.route_type.value, r.route) for r in app.router.get_routes()]
assert "/books/{book_id}" in SPEC_AT_IMPORT["paths"], SPEC_AT_IMPORT["paths"]
assert len(app.included_routers) == 1


@app.get("/import-time")
def import_time():
    return {"paths": sorted(SPEC_AT_IMPORT["paths"]), "routes": ROUTES_AT_IMPORT}


if __name__ == "__main__":
    app.start(host="127.0.0.1", port=8080)
