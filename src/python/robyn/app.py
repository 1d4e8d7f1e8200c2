"""Robyn: the application object a user's file builds and starts."""

import logging
import os
import socket
import sys
from typing import TYPE_CHECKING, Any, Callable, List, Optional

from robyn._logging import original_basic_config
from robyn.argument_parser import Config, setting
from robyn.dependency_injection import DependencyMap
from robyn.env_populator import load_vars
from robyn.headers import Headers
from robyn.health import DEFAULT_TIMEOUT, HealthCheck, health_check_decorator
from robyn.openapi import OpenAPI, spec_file
from robyn.launcher import HandOver, apply_log_level, exec_gateway, start_args, under_gateway
from robyn.router import BaseRouter
from robyn.routes import normalize_endpoint
from robyn.session import SessionManager
from robyn.types import Directory

if TYPE_CHECKING:  # imported by the first app.mcp: an app without MCP never loads robyn.mcp
    from robyn.mcp import MCPApp

_logger = logging.getLogger(__name__)

# robyn._bridge.load subscribes here while an app file runs, to find the app
# when the file never calls start().
construction_hooks: List[Callable[["Robyn"], None]] = []


class Robyn(BaseRouter):
    def __init__(
        self,
        file_object: str,
        config: Optional[Config] = None,
        openapi_file_path: Optional[str] = None,
        openapi: Any = None,
        dependencies: Optional[DependencyMap] = None,
    ) -> None:
        super().__init__(config=config, dependencies=dependencies)
        self.file_path = file_object
        self.directory_path = os.path.dirname(os.path.abspath(file_object))
        self.openapi_file_path = openapi_file_path
        # As in Robyn: always an OpenAPI object; a spec file given here is loaded at once (one
        # that can't be read is ignored with a warning: the generated spec is served).
        self.openapi = openapi if openapi is not None else OpenAPI()
        override = spec_file(self)
        if override is not None and isinstance(self.openapi, OpenAPI):
            self.openapi.override_openapi(override)
        self.state: dict = {}  # the seed's per-app (per-process) state
        self.request_headers = Headers()
        self.request_headers_set: set = set()  # names set_request_header replaces on requests
        self.response_headers = Headers()
        self.excluded_response_headers_paths: Optional[List[str]] = None
        self.directories: List[Directory] = []
        self.cors: Optional[tuple] = None  # (origins, headers), set by ALLOW_CORS
        self.session_manager: Optional[SessionManager] = None
        self._mcp_app: Optional["MCPApp"] = None  # made, with its /mcp routes, by the first app.mcp
        self.health_checks: List[HealthCheck] = []  # @app.health_check, run by the readiness endpoint
        if not os.environ.get("ROBYN_CLI"):
            load_vars(self.directory_path)
        # As Robyn does; a no-op under the gateway, whose log bridge is already installed (the
        # unpatched basicConfig: the patched one is for the app's own call, robyn._logging).
        original_basic_config(level=setting(self.config, "log_level", "INFO"))
        for hook in construction_hooks:
            hook(self)

    def configure_authentication(self, handler: Any) -> None:
        super().configure_authentication(handler)
        # As Robyn: the security scheme that matches the token getter, for Swagger UI's Authorize
        # button and the auth_required operations' `security`.
        if not isinstance(self.openapi, OpenAPI) or self.openapi.openapi_file_override:
            return
        try:
            scheme = str(getattr(getattr(handler, "token_getter", None), "scheme", "") or "")
        except Exception as error:  # noqa: BLE001 - the docs never stop an app
            _logger.warning("OpenAPI: the token getter's scheme can't be read: %r", error)
            scheme = ""
        if scheme.lower().startswith("bearer"):
            self.openapi.add_security_scheme("BearerAuth", {"type": "http", "scheme": "bearer"})
        elif not self.openapi._security_scheme_names:
            self.openapi.add_security_scheme("ApiKeyAuth", {"type": "apiKey", "in": "header", "name": "Authorization"})

    def health_check(self, name: Any = None, *, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Adds a readiness check (beyond Robyn): `@app.health_check` or `@app.health_check("db",
        timeout=2)` on a sync or async function without parameters. Truthy: healthy; falsy, raising
        or no answer within `timeout` seconds: the readiness endpoint answers 503 (robyn.health)."""
        return health_check_decorator(self.health_checks, name, timeout=timeout)

    def add_request_header(self, key: str, value: str) -> None:
        self.request_headers.append(key, value)

    def set_request_header(self, key: str, value: str) -> None:
        self.request_headers.set(key, value)
        self.request_headers_set.add(key.lower())

    def add_response_header(self, key: str, value: str) -> None:
        self.response_headers.append(key, value)

    def set_response_header(self, key: str, value: str) -> None:
        self.response_headers.set(key, value)

    def exclude_response_headers_for(self, paths: Optional[List[str]]) -> None:
        self.excluded_response_headers_paths = (
            [normalize_endpoint(p) for p in paths] if paths is not None else None
        )

    def serve_directory(
        self,
        route: str,
        directory_path: str,
        index_file: Optional[str] = None,
        show_files_listing: bool = False,
    ) -> None:
        self.directories.append(
            Directory(normalize_endpoint(route), directory_path, show_files_listing, index_file)
        )

    def configure_sessions(
        self,
        secret_key: str,
        *,
        cookie_name: str = "session",
        max_age: Optional[int] = 1209600,
        path: str = "/",
        domain: Optional[str] = None,
        secure: bool = False,
        http_only: bool = True,
        same_site: Optional[str] = "Lax",
    ) -> SessionManager:
        """Signed-cookie sessions as `request.session`: a global before hook loads
        it, a global after hook writes the cookie back when it changed. Once per app."""
        if self.session_manager is not None:
            raise RuntimeError("configure_sessions() was already called for this app")
        manager = SessionManager(
            secret_key, cookie_name=cookie_name, max_age=max_age, path=path, domain=domain,
            secure=secure, http_only=http_only, same_site=same_site,
        )
        self.before_request()(manager._load_hook)
        self.after_request()(manager._save_hook)
        self.session_manager = manager
        return manager

    @property
    def mcp(self) -> "MCPApp":
        """MCP (Model Context Protocol) for this app, as in Robyn 0.88: `@app.mcp.resource(uri)`,
        `@app.mcp.tool()`, `@app.mcp.prompt()`, served at POST /mcp (see robyn.mcp)."""
        if self._mcp_app is None:
            from robyn.mcp import MCPApp

            self._mcp_app = MCPApp(self)
        return self._mcp_app

    def is_port_in_use(self, port: int) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            return s.connect_ex(("localhost", port)) == 0

    def start(
        self,
        host: str = "127.0.0.1",
        port: int = 8080,
        processes: Optional[int] = None,
        workers: Optional[int] = None,
        _check_port: bool = True,
        client_timeout: int = 30,
        keep_alive_timeout: int = 20,
        timeout: Optional[float] = None,
        max_queue: Optional[int] = None,
        **ignored: Any,
    ) -> None:
        """Serve the app through the gateway. Under the gateway this records its
        arguments and raises HandOver; otherwise it execs the gateway.

        client_timeout: seconds a client has to send a request's headers (Kestrel's
        RequestHeadersTimeout); keep_alive_timeout: seconds an idle keep-alive connection is kept
        (Kestrel's KeepAliveTimeout). ROBYN_CLIENT_TIMEOUT / ROBYN_KEEP_ALIVE_TIMEOUT and
        --client-timeout / --keep-alive-timeout beat them. Beyond Robyn: timeout (seconds until a
        request without an answer gets 504; 0: never) and max_queue (requests that may wait for a
        sync worker before the next gets 503; 0: unbounded), below --timeout / --max-queue and
        ROBYN_TIMEOUT / ROBYN_MAX_QUEUE."""
        args = start_args(self.config, host, port, processes, workers,
                          client_timeout=client_timeout, keep_alive_timeout=keep_alive_timeout,
                          timeout=timeout, max_queue=max_queue)
        if under_gateway():
            apply_log_level(args)
            raise HandOver(self, args)
        main = sys.modules.get("__main__")
        app_path = os.path.abspath(getattr(main, "__file__", None) or self.file_path)
        exec_gateway(app_path, sys.argv[1:])
