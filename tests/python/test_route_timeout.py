"""`timeout=` on a route (beyond Robyn): checked when the route is registered, carried to the
gateway in the bridge's route table (docs/bridge-protocol.md)."""

import pytest

from robyn import Robyn, SubRouter
from robyn._bridge import attach


def _app():
    app = Robyn(__file__)

    @app.get("/slow", timeout=2.5)
    def slow():
        return "slow"

    @app.post("/upload", timeout=0)
    async def upload():
        return "ok"

    @app.get("/plain")
    def plain():
        return "plain"

    return app


def test_timeout_is_kept_on_the_route():
    app = _app()
    assert [(r.method, r.path, r.timeout) for r in app.routes[:3]] == [
        ("GET", "/slow", 2.5), ("POST", "/upload", 0.0), ("GET", "/plain", None)]


def test_timeout_reaches_the_bridge_route_table():
    loaded = attach(_app(), lambda token, result: None)
    assert loaded.routes[:3] == [
        ("GET", "/slow", 0, False, (), 2.5),
        ("POST", "/upload", 1, True, (), 0.0),
        ("GET", "/plain", 2, False, (), None),
    ]


def test_add_route_and_sub_routers_carry_it():
    app = Robyn(__file__)
    app.add_route("PUT", "/put", lambda: "put", timeout=7)
    router = SubRouter(__file__, prefix="/api")
    router.get("/item", timeout=1)(lambda: "item")
    app.include_router(router)
    assert {r.path: r.timeout for r in app.routes} == {"/put": 7.0, "/api/item": 1.0}


@pytest.mark.parametrize("bad", [-1, "5", True, float("nan"), 86401, [1]])
def test_a_bad_timeout_is_refused_at_registration(bad):
    app = Robyn(__file__)
    with pytest.raises(ValueError, match="timeout="):
        app.get("/x", timeout=bad)(lambda: "x")
    assert [r.path for r in app.routes if r.path == "/x"] == []
