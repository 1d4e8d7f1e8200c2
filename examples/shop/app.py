"""A small shop that uses most of what the gateway serves: a sub-router with its own hooks,
authentication, sessions, a pydantic body, a multipart upload, server-sent events, a Jinja
template, a const route, global headers, CORS, and the OpenAPI docs at /docs.

Run it:  dotnet run --project src/RobynGateway -- examples/shop/app.py
(pydantic 2 and jinja2 must be importable by the Python the gateway embeds; the gateway says
which one it chose in its first log line.)"""

import asyncio
import os
from typing import List, Optional

from pydantic import BaseModel, Field

from robyn import ALLOW_CORS, Request, Response, Robyn, SSEMessage, SSEResponse, SubRouter
from robyn.authentication import AuthenticationHandler, BearerGetter, Identity
from robyn.templating import JinjaTemplate

app = Robyn(__file__)
app.set_response_header("x-shop", "robyn-gateway")
app.configure_sessions(os.environ.get("SHOP_SECRET", "change-me-in-production"))
ALLOW_CORS(app, ["https://shop.example"])
templates = JinjaTemplate(os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates"))

PRODUCTS = {1: {"id": 1, "name": "Teapot", "price": 18.0}, 2: {"id": 2, "name": "Cup", "price": 4.5}}


class AdminAuth(AuthenticationHandler):
    def authenticate(self, request: Request) -> Optional[Identity]:
        token = self.token_getter.get_token(request)
        return Identity(claims={"role": "admin"}) if token == os.environ.get("SHOP_ADMIN_TOKEN", "admin-token") else None


app.configure_authentication(AdminAuth(token_getter=BearerGetter()))


class NewProduct(BaseModel):
    name: str = Field(min_length=1)
    price: float = Field(gt=0)


@app.get("/", const=True)
def home():
    """The shop's front page, rendered once at start."""
    return templates.render_template("home.html", products=list(PRODUCTS.values()))


@app.get("/cart")
def cart(request: Request):
    """What this visitor put in the cart (kept in a signed session cookie)."""
    return {"items": request.session.get("items", [])}


@app.post("/cart/:product_id")
def add_to_cart(request: Request, product_id: int):
    if product_id not in PRODUCTS:
        return Response(404, {"content-type": "text/plain"}, "no such product")
    request.session["items"] = request.session.get("items", []) + [product_id]
    return {"items": request.session["items"]}


@app.get("/prices")
async def prices():
    """Price updates as server-sent events."""
    async def updates():
        for product in PRODUCTS.values():
            yield SSEMessage(f"{product['name']}={product['price']}", event="price")
            await asyncio.sleep(0.01)
    return SSEResponse(updates())


admin = SubRouter("/admin")


@admin.after_request()
def audit(response: Response):
    response.headers.set("x-audited", "yes")
    return response


@admin.post("/products", auth_required=True)
def add_product(product: NewProduct) -> dict:
    """Adds a product (admins only)."""
    new_id = max(PRODUCTS) + 1
    PRODUCTS[new_id] = {"id": new_id, "name": product.name, "price": product.price}
    return PRODUCTS[new_id]


@admin.post("/products/:product_id/photo", auth_required=True)
def upload_photo(request: Request, product_id: int):
    """Takes a multipart upload; the gateway parses it in C#."""
    return {"product": product_id, "files": {name: len(data) for name, data in request.files.items()}}


app.include_router(admin)


@app.get("/products")
def products() -> List[dict]:
    return list(PRODUCTS.values())


if __name__ == "__main__":
    app.start(port=8080)
