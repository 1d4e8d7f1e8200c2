"""Registration shared by Robyn and SubRouter: routes, middlewares, exception and
lifecycle handlers, dependencies. Everything here runs at import of the user's
app; handlers are introspected once, here, never per request."""

import logging
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Union

from robyn.argument_parser import Config
from robyn.dependency_injection import DEFAULT_DEPENDENCIES, DependencyMap
from robyn.enums import HttpMethod, MiddlewareType
from robyn.events import Events
from robyn.function_info import FunctionInfo
from robyn.routes import Route, check_timeout, normalize_endpoint, shape_of
from robyn.ws import SocketEndpoint, decorator_endpoint

_logger = logging.getLogger(__name__)

Handler = Callable[..., Any]


class Middleware(NamedTuple):
    middleware_type: MiddlewareType
    endpoint: Optional[str]  # None: global
    function: FunctionInfo


class BaseRouter:
    def __init__(
        self,
        prefix: str = "",
        tags: Optional[Sequence[str]] = None,
        config: Optional[Config] = None,
        dependencies: Optional[DependencyMap] = None,
    ) -> None:
        self.prefix = normalize_endpoint(prefix) if prefix.strip(" /") else ""
        self.tags: List[str] = list(tags or [])
        self.config = config if config is not None else Config()
        self.dependencies = dependencies if dependencies is not None else DEFAULT_DEPENDENCIES
        self.routes: List[Route] = []
        self.before_request_middlewares: List[Middleware] = []
        self.after_request_middlewares: List[Middleware] = []
        self.exception_handler: Optional[Callable[[Exception], Any]] = None
        self.event_handlers: Dict[Events, FunctionInfo] = {}
        self.included_routers: List["BaseRouter"] = []
        self.websockets: List[SocketEndpoint] = []
        self.authentication_handler: Any = None
        self._shapes: Dict[tuple, str] = {}  # (method, shape) -> registered path

    # Robyn 0.88's registries, as views of what is registered here.

    @property
    def router(self) -> "Router":
        """`app.router`: its routes and `prepare_routes_openapi`."""
        return Router(self)

    @property
    def middleware_router(self) -> "MiddlewareRouter":
        return MiddlewareRouter(self)

    @property
    def web_socket_router(self) -> "WebSocketRouter":
        return WebSocketRouter(self)

    # Routes ---------------------------------------------------------------

    def add_route(
        self,
        route_type: Union[HttpMethod, str],
        endpoint: str,
        handler: Handler,
        is_const: bool = False,
        auth_required: bool = False,
        openapi_name: str = "",
        openapi_tags: Optional[Sequence[str]] = None,
        status_code: Optional[int] = None,
        response_model: Any = None,
        responses: Any = None,
        deprecated: bool = False,
        include_in_schema: bool = True,
        timeout: Optional[float] = None,
    ) -> Handler:
        method = _method_name(route_type)
        timeout = check_timeout(timeout)
        route = Route.create(
            method,
            normalize_endpoint(self.prefix + normalize_endpoint(endpoint)),
            handler,
            status_code=status_code,
            on_error=self.exception_handler,
            dependencies=self.dependencies.get_dependency_map(self),
            is_const=is_const,
            auth_required=auth_required,
            router=self,
            openapi_name=openapi_name,
            openapi_tags=tuple(openapi_tags if openapi_tags is not None else [method.lower()]),
            response_model=response_model,
            responses=responses,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            timeout=timeout,
        )
        self._register(route, strict=True)
        return handler

    def _register(self, route: Route, strict: bool) -> None:
        key = (route.method, shape_of(route.path))
        existing = self._shapes.get(key)
        if existing is None:
            self._shapes[key] = route.path
            self.routes.append(route)
        elif strict and existing == route.path:
            raise ValueError(f"Route {route.method} {route.path} already exists")
        else:
            # Robyn's router refuses the conflicting insert and only logs it.
            _logger.debug("Route %s %s conflicts with %s; not registered", route.method, route.path, existing)

    def _decorator(self, method: str, endpoint: str, **options: Any) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            return self.add_route(method, endpoint, handler, **options)

        return register

    def get(self, endpoint: str, const: bool = False, **options: Any) -> Callable[[Handler], Handler]:
        return self._decorator("GET", endpoint, is_const=const, **options)

    def post(self, endpoint: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._decorator("POST", endpoint, **options)

    def put(self, endpoint: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._decorator("PUT", endpoint, **options)

    def delete(self, endpoint: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._decorator("DELETE", endpoint, **options)

    def patch(self, endpoint: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._decorator("PATCH", endpoint, **options)

    def head(self, endpoint: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._decorator("HEAD", endpoint, **options)

    def options(self, endpoint: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._decorator("OPTIONS", endpoint, **options)

    def connect(self, endpoint: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._decorator("CONNECT", endpoint, **options)

    def trace(self, endpoint: str, **options: Any) -> Callable[[Handler], Handler]:
        return self._decorator("TRACE", endpoint, **options)

    # WebSockets (docs/bridge-protocol.md, "WebSockets") ---------------------

    def websocket(self, endpoint: str) -> Callable[[Handler], Handler]:
        """`@app.websocket("/path")` (Robyn 0.88); see robyn.ws."""
        return decorator_endpoint(self, endpoint)

    def add_websocket(self, endpoint: str, kind: str) -> SocketEndpoint:
        """Registers a websocket path; paths are exact (no parameters), one endpoint each."""
        path = normalize_endpoint(self.prefix + normalize_endpoint(endpoint))
        if any(e.path == path for e in self.websockets):
            raise ValueError(f"A websocket endpoint {path} already exists")
        socket = SocketEndpoint(path, kind, self)
        self.websockets.append(socket)
        return socket

    def include_router(self, router: "BaseRouter") -> None:
        """Adopt `router`'s routes and websockets (under this router's prefix) and middlewares."""
        for route in router.routes:
            self._register(route.included(self.prefix, router.tags), strict=False)
        for socket in router.websockets:
            socket.path = normalize_endpoint(self.prefix + socket.path)  # it belongs to one app
            self.websockets.append(socket)
        self.before_request_middlewares.extend(router.before_request_middlewares)
        self.after_request_middlewares.extend(router.after_request_middlewares)
        if router.dependencies is not self.dependencies:
            ours = self.dependencies.get_global_dependencies()
            for key, value in router.dependencies.get_global_dependencies().items():
                ours.setdefault(key, value)
        if router.authentication_handler is None and self.authentication_handler is not None:
            router.configure_authentication(self.authentication_handler)
        self.included_routers.append(router)

    # Middlewares, exception and lifecycle handlers ---------------------------

    def before_request(self, endpoint: Optional[str] = None) -> Any:
        return self._middleware(MiddlewareType.BEFORE_REQUEST, self.before_request_middlewares, endpoint)

    def after_request(self, endpoint: Optional[str] = None) -> Any:
        return self._middleware(MiddlewareType.AFTER_REQUEST, self.after_request_middlewares, endpoint)

    def _middleware(self, kind: MiddlewareType, target: List[Middleware], endpoint: Any) -> Any:
        if callable(endpoint):  # used bare: @app.before_request
            target.append(Middleware(kind, None, FunctionInfo.of(endpoint)))
            return None
        path = _hook_pattern(endpoint) if endpoint is not None else None

        # Returns None, as Robyn's decorator does: the decorated name is rebound to None.
        def register(handler: Handler) -> None:
            target.append(Middleware(kind, path, FunctionInfo.of(handler)))

        return register

    def exception(self, handler: Callable[[Exception], Any]) -> None:
        """Covers the routes registered after this call: each route keeps the handler in force
        when it was registered."""
        self.exception_handler = handler

    def startup_handler(self, handler: Handler) -> None:
        self.event_handlers[Events.STARTUP] = FunctionInfo.of(handler)

    def shutdown_handler(self, handler: Handler) -> None:
        self.event_handlers[Events.SHUTDOWN] = FunctionInfo.of(handler)

    def configure_authentication(self, handler: Any) -> None:
        """The handler that auth_required routes of this router (and of sub-routers it includes
        that have none of their own) authenticate with."""
        self.authentication_handler = handler
        for router in self.included_routers:
            if router.authentication_handler is None:
                router.configure_authentication(handler)

    def inject(self, **dependencies: Any) -> None:
        self.dependencies.add_router_dependency(self, **dependencies)

    def inject_global(self, **dependencies: Any) -> None:
        self.dependencies.add_global_dependency(**dependencies)


class Router:
    """What apps reach through Robyn's `app.router`: the routes, and the call that documents
    them in an OpenAPI spec (which never raises, see robyn.openapi)."""

    def __init__(self, owner: BaseRouter) -> None:
        self._owner = owner

    @property
    def routes(self) -> List[Route]:
        return self._owner.routes

    def get_routes(self) -> List[Route]:
        return self._owner.routes

    def prepare_routes_openapi(self, openapi: Any, included_routers: Any = None) -> None:
        openapi.add_routes(self._owner.routes)


def _hook_pattern(endpoint: str) -> str:
    """A hook's pattern: route syntax, plus a bare `*` as the last segment for "this path and
    everything under it"."""
    path = normalize_endpoint(endpoint)
    segments = path.split("/")
    for position, segment in enumerate(segments[:-1]):
        if segment[:1] == "*":
            raise ValueError(f"Hook pattern {endpoint!r}: a wildcard must be the last segment")
    return path


def _method_name(route_type: Union[HttpMethod, str]) -> str:
    if isinstance(route_type, HttpMethod):
        return route_type.value
    name = str(route_type).upper()
    if name not in HttpMethod.__members__:
        raise ValueError(f"Unsupported HTTP method: {route_type!r}")
    return name


class RouteMiddleware(NamedTuple):
    """A scoped hook as Robyn lists it. `route_type` is None: hooks here cover every method."""

    middleware_type: MiddlewareType
    route: str
    function: FunctionInfo
    route_type: Optional[HttpMethod] = None


class GlobalMiddleware(NamedTuple):
    middleware_type: MiddlewareType
    function: FunctionInfo


class MiddlewareRouter:
    """Robyn's `app.middleware_router`: the hooks registered on a router, global and scoped."""

    def __init__(self, owner: BaseRouter) -> None:
        self._owner = owner

    def _all(self) -> List[Middleware]:
        return [*self._owner.before_request_middlewares, *self._owner.after_request_middlewares]

    def get_global_middlewares(self) -> List[GlobalMiddleware]:
        return [GlobalMiddleware(m.middleware_type, m.function) for m in self._all() if m.endpoint is None]

    def get_route_middlewares(self) -> List[RouteMiddleware]:
        return [RouteMiddleware(m.middleware_type, m.endpoint, m.function) for m in self._all() if m.endpoint is not None]


class WebSocketRouter:
    """Robyn's `app.web_socket_router`: the websocket endpoints by path."""

    def __init__(self, owner: BaseRouter) -> None:
        self._owner = owner

    def get_routes(self) -> Dict[str, SocketEndpoint]:
        return {socket.path: socket for socket in self._owner.websockets}


def lower_http_method(method: HttpMethod) -> str:
    return method.value.lower()


# Robyn's router module hands these on too; apps import them from here.
from robyn import status_codes  # noqa: E402,F401
from robyn.authentication import AuthenticationHandler, AuthenticationNotConfiguredError  # noqa: E402,F401
from robyn.coercion import QueryParamValidationError  # noqa: E402,F401
from robyn.headers import Headers  # noqa: E402,F401
from robyn.jsonify import jsonify  # noqa: E402,F401
from robyn.openapi import OpenAPI, RouteOpenAPIMeta  # noqa: E402,F401
from robyn.pydantic_support import (  # noqa: E402,F401
    PydanticBodyValidationError,
    check_pydantic_installed_for_handler,
    detect_pydantic_params,
    is_pydantic_model,
    serialize_pydantic_response,
    validate_pydantic_body,
)
from robyn.query_params import QueryParams  # noqa: E402,F401
from robyn.request import Request  # noqa: E402,F401
from robyn.response import Response  # noqa: E402,F401
from robyn.responses import FileResponse  # noqa: E402,F401
from robyn.streaming import StreamingResponse  # noqa: E402,F401
from robyn.types import Body, Files, FormData, IPAddress, JsonBody, Method, PathParams  # noqa: E402,F401
from robyn.url import Identity, Url  # noqa: E402,F401
