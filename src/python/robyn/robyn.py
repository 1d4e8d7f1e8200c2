"""Robyn's native-module names (`from robyn.robyn import Headers, QueryParams, Url`).

In Robyn these come from the Rust extension; here they are plain Python."""

from robyn.cookies import Cookie, Cookies, CookiesIter
from robyn.enums import HttpMethod, MiddlewareType
from robyn.function_info import FunctionInfo
from robyn.headers import Headers
from robyn.query_params import QueryParams
from robyn.request import Request
from robyn.response import Response
from robyn.url import Identity, Url
from robyn.version import get_version
from robyn.ws import WebSocketConnector


class _RustServerOnly:
    """Robyn's Rust server objects. The gateway (ASP.NET Core) is the server here, so there is
    nothing to build one of; the name is importable so that type hints and imports still work."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError(
            f"robyn.robyn.{type(self).__name__} is Robyn's Rust server; RobynGateway serves apps with "
            "ASP.NET Core: use app.start() or run the app with the gateway"
        )


class Server(_RustServerOnly):
    pass


class SocketHeld(_RustServerOnly):
    pass

__all__ = [
    "Cookie",
    "Cookies",
    "CookiesIter",
    "FunctionInfo",
    "Headers",
    "HttpMethod",
    "Identity",
    "MiddlewareType",
    "QueryParams",
    "Request",
    "Response",
    "Server",
    "SocketHeld",
    "Url",
    "WebSocketConnector",
    "get_version",
]
