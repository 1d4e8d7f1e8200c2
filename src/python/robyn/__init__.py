"""RobynGateway's `robyn` package: Robyn's Python API, served by ASP.NET Core.

Importing it has no side effects; `app.start()` hands the app to the gateway."""

from robyn import status_codes
from robyn.app import Robyn
from robyn.argument_parser import Config
from robyn.authentication import AuthenticationHandler
from robyn.cors import ALLOW_CORS
from robyn.dependency_injection import DependencyMap
from robyn.enums import HttpMethod, MiddlewareType
from robyn.events import Events
from robyn.function_info import FunctionInfo
from robyn.headers import Headers
from robyn.jsonify import jsonify
from robyn.openapi import OpenAPI, RouteOpenAPIMeta
from robyn.request import Request
from robyn.response import Response
from robyn.responses import html, serve_file, serve_html
from robyn.session import Session, SessionManager
from robyn.streaming import SSEMessage, SSEResponse, StreamingResponse
from robyn.sub_router import SubRouter
from robyn.types import Directory, JsonBody, RequestBody, RequestMethod, RequestURL
from robyn.version import __version__, get_version
from robyn.env_populator import load_vars
from robyn.logger import Colors, logger
from robyn.router import BaseRouter as BaseRobyn  # Robyn's common base of Robyn and SubRouter
from robyn.router import MiddlewareRouter, Router, WebSocketRouter
from robyn.ws import WebSocket, WebSocketAdapter, WebSocketConnector, WebSocketDisconnect, create_websocket_decorator


def __getattr__(name: str):
    # Robyn builds a module-level `config = Config()` (parsing sys.argv) at import; here it is
    # built on first use, so importing robyn has no side effects.
    if name == "config":
        globals()["config"] = Config()
        return globals()["config"]
    # Imported on first use, so that an app that uses neither (every worker of a hello app) does
    # not carry them: robyn.mcp is the package's largest module (bench/memory.sh).
    if name == "MCPApp":
        from robyn.mcp import MCPApp

        globals()[name] = MCPApp
        return MCPApp
    if name == "TestClient":
        from robyn.testing import TestClient

        globals()[name] = TestClient
        return TestClient
    raise AttributeError(f"module 'robyn' has no attribute {name!r}")


__all__ = [
    "ALLOW_CORS",
    "AuthenticationHandler",
    "Config",
    "DependencyMap",
    "Directory",
    "Events",
    "FunctionInfo",
    "Headers",
    "HttpMethod",
    "JsonBody",
    "MCPApp",
    "MiddlewareType",
    "OpenAPI",
    "Request",
    "RequestBody",
    "RequestMethod",
    "RequestURL",
    "Response",
    "RouteOpenAPIMeta",
    "Robyn",
    "SSEMessage",
    "SSEResponse",
    "Session",
    "SessionManager",
    "StreamingResponse",
    "SubRouter",
    "TestClient",
    "WebSocket",
    "WebSocketAdapter",
    "WebSocketConnector",
    "WebSocketDisconnect",
    "get_version",
    "html",
    "jsonify",
    "serve_file",
    "serve_html",
    "status_codes",
    "__version__",
]
