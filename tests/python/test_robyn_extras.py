"""Robyn 0.88 names that are more than a re-export behave as in Robyn."""

import asyncio
import inspect
import logging
import os
import subprocess
import sys

import pytest

import robyn
from robyn import Robyn
from robyn.logger import Colors, logger
from robyn.pydantic_support import (
    MultiplePydanticBodyError,
    check_pydantic_installed_for_handler,
    detect_pydantic_params,
    is_pydantic_model,
    serialize_pydantic_response,
    validate_pydantic_body,
)
from robyn.responses import AsyncGeneratorWrapper, StreamingResponse
from robyn.robyn import Cookie, Cookies, Server, SocketHeld
from robyn.types import QueryParamValidationError
from robyn.ws import create_websocket_decorator


def test_the_logger_colours_the_message_and_goes_through_logging(caplog):
    with caplog.at_level(logging.INFO, logger="robyn.logger"):
        logger.info("started on %s", 8080, bold=True)
        logger.error("failed", color=None)
    assert [r.getMessage() for r in caplog.records] == [f"\033[1m{Colors.GREEN.value}started on 8080\033[0m", "failed"]
    assert caplog.records[1].levelno == logging.ERROR


def test_query_param_validation_error_has_robyns_detail():
    assert QueryParamValidationError("page", "x", int).detail == "Invalid value 'x' for parameter 'page': expected int"
    assert QueryParamValidationError("page", None, int).detail == "Missing required parameter: 'page'"
    assert str(QueryParamValidationError("page", "x", int, "custom")) == "custom"


def test_async_generator_wrapper_iterates_both_ways():
    async def numbers():
        for n in range(3):
            yield str(n)

    assert list(AsyncGeneratorWrapper(numbers())) == ["0", "1", "2"]
    wrapped = AsyncGeneratorWrapper(numbers())
    assert StreamingResponse(wrapped).is_async  # the gateway streams it on the loop, no thread waits

    async def collect():
        return [chunk async for chunk in wrapped]

    assert asyncio.run(collect()) == ["0", "1", "2"]


def test_async_generator_wrapper_passes_the_generators_error_on():
    async def broken():
        yield "a"
        raise RuntimeError("db went away")

    wrapper = AsyncGeneratorWrapper(broken())
    assert next(wrapper) == "a"
    with pytest.raises(RuntimeError, match="db went away"):
        next(wrapper)


def test_robyns_rust_server_objects_say_what_to_use_instead():
    for cls in (Server, SocketHeld):
        with pytest.raises(NotImplementedError, match="ASP.NET Core"):
            cls()


def test_cookies_iterate_over_names_with_robyns_iterator_type():
    cookies = Cookies()
    cookies.set("a", Cookie("1"))
    cookies.set("b", Cookie("2"))
    names = iter(cookies)
    assert type(names).__name__ == "CookiesIter"
    assert list(names) == ["a", "b"]


def test_create_websocket_decorator_registers_like_app_websocket(tmp_path):
    app = Robyn(str(tmp_path / "app.py"))

    @create_websocket_decorator(app)("/chat")
    async def chat(websocket):
        await websocket.send_text("hi")

    assert [socket.path for socket in app.websockets] == ["/chat"]


def test_importing_robyn_parses_no_arguments_until_config_is_used():
    code = "import sys; sys.argv = ['app.py', '--processes', 'nope']; import robyn; print('imported'); robyn.config"
    package_root = os.path.dirname(os.path.dirname(robyn.__file__))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": package_root})
    assert done.stdout == "imported\n"
    assert "invalid int value" in done.stderr


pydantic = pytest.importorskip("pydantic")
needs_v2 = pytest.mark.skipif(not hasattr(pydantic.BaseModel, "model_validate_json"), reason="pydantic 2 API")


class Item(pydantic.BaseModel):
    name: str
    price: float


class Other(pydantic.BaseModel):
    x: int


def test_models_are_detected_in_a_handlers_parameters():
    def handler(item: Item, other: Other, page: int):
        pass

    params = inspect.signature(handler).parameters
    assert detect_pydantic_params(params) == {"item": Item, "other": Other}
    assert is_pydantic_model(Item) and not is_pydantic_model(int) and not is_pydantic_model(Item(name="a", price=1) if hasattr(Item, "model_validate_json") else 1)
    with pytest.raises(MultiplePydanticBodyError, match="item"):
        check_pydantic_installed_for_handler(handler, detect_pydantic_params(params))


@needs_v2
def test_bodies_validate_into_models_or_robyns_422_detail():
    item, error = validate_pydantic_body(Item, b'{"name": "pen", "price": "2.5"}')
    assert (item, error) == (Item(name="pen", price=2.5), None)
    item, error = validate_pydantic_body(Item, b'{"name": "pen"}')
    assert item is None and error["error"] == "Validation Error"
    assert [(e["type"], e["loc"]) for e in error["detail"]] == [("missing", ["price"])]
    assert serialize_pydantic_response([Item(name="a", price=1)]) == '[{"name":"a","price":1.0}]'
    assert serialize_pydantic_response({"a": 1}) is None


def test_robyns_registries_are_views_of_what_the_app_registered(tmp_path):
    from robyn.enums import HttpMethod, MiddlewareType
    from robyn.router import lower_http_method

    app = Robyn(str(tmp_path / "app.py"))

    @app.get("/items/:id")
    def item(id: int):
        return {"id": id}

    def everywhere(request):
        return request

    app.before_request()(everywhere)  # the decorator rebinds the name to None, as Robyn's does

    @app.after_request("/items/*")
    def scoped(response):
        return response

    @app.websocket("/feed")
    async def feed(websocket):
        pass

    assert [(r.method, r.path) for r in app.router.get_routes() if not r.path.startswith(("/docs", "/openapi"))] == [("GET", "/items/:id")]
    assert [(m.middleware_type, m.function.handler) for m in app.middleware_router.get_global_middlewares()] == [
        (MiddlewareType.BEFORE_REQUEST, everywhere)]
    assert [(m.middleware_type, m.route) for m in app.middleware_router.get_route_middlewares()] == [
        (MiddlewareType.AFTER_REQUEST, "/items/*")]
    assert list(app.web_socket_router.get_routes()) == ["/feed"]
    assert lower_http_method(HttpMethod.PATCH) == "patch"


def test_mcp_metadata_describes_what_is_registered(tmp_path):
    from robyn.mcp import MCPPrompt, MCPResource, MCPTool

    app = Robyn(str(tmp_path / "app.py"))

    @app.mcp.tool()
    def add(a: int, b: int = 0) -> int:
        """Adds."""
        return a + b

    @app.mcp.resource("notes://{note_id}", "Note", "A note")
    def note(note_id: str) -> str:
        return note_id

    @app.mcp.prompt()
    def review(code: str) -> str:
        return code

    handler = app.mcp.handler
    assert handler.tool_metadata["add"] == MCPTool("add", "Adds.", handler.tools["add"].schema)
    assert handler.tool_metadata["add"].inputSchema["required"] == ["a"]
    assert handler.resource_metadata["notes://{note_id}"] == MCPResource("notes://{note_id}", "Note", "A note", "text/plain")
    assert isinstance(handler.prompt_metadata["review"], MCPPrompt)


def test_the_cli_functions_robyn_scripts_call(tmp_path, monkeypatch, capsys):
    from robyn import cli

    opened = []
    monkeypatch.setattr(cli.webbrowser, "open", opened.append)
    assert cli.docs() == 0 and opened == [cli.DOCS_URL]
    answers = iter([str(tmp_path / "proj"), "n", "sqlite"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    assert cli.create_robyn_app() == 0
    assert (tmp_path / "proj" / "app.py").is_file() and not (tmp_path / "proj" / "Dockerfile").exists()

    class NotDev:
        dev = False

    assert cli.start_dev_server(NotDev(), "app.py") is None  # without --dev Robyn's does nothing too


def test_reading_an_apps_routes_never_imports_pydantic():
    # The spec and response_model ask robyn.pydantic_support, which looks only at a pydantic the app
    # imported itself: an app without models does not pay for pydantic's import.
    code = ("import sys; from robyn import Robyn; app = Robyn('app.py')\n"
            "@app.get('/x')\ndef x() -> dict: return {}\n"
            "app.router.prepare_routes_openapi(app.openapi, app.included_routers)\n"
            "assert '/x' in app.openapi.get_openapi_config()['paths']\n"
            "print('pydantic' in sys.modules)")
    package_root = os.path.dirname(os.path.dirname(robyn.__file__))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": package_root})
    assert done.stdout.strip().splitlines()[-1] == "False", done.stderr
