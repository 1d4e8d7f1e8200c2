"""Route patterns (`/users/:id`, `*rest`) and the record of a registered route."""

import functools
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from robyn.pydantic_support import is_pydantic_v2_model
from robyn.dispatch import Endpoint, ExceptionHandler, compile_endpoint
from robyn.enums import HttpMethod
from robyn.function_info import FunctionInfo, is_coroutine_function
from robyn.openapi import RouteOpenAPIMeta, route_meta


def normalize_endpoint(endpoint: str) -> str:
    """Strip spaces and trailing slashes, add the leading slash; "/" stays "/"."""
    stripped = endpoint.strip()
    if not stripped:
        raise ValueError("Route endpoint cannot be blank")
    stripped = stripped.rstrip("/")
    return stripped if stripped.startswith("/") else "/" + stripped


def param_names_of(pattern: str) -> Tuple[str, ...]:
    """`:name` takes one segment, `*name` (last only) the rest of the path."""
    names = []
    segments = pattern.split("/")
    for position, segment in enumerate(segments):
        if segment[:1] not in (":", "*"):
            continue
        name = segment[1:]
        if not name:
            raise ValueError(f"Route {pattern!r}: path parameters need a name ({segment}name)")
        if segment[0] == "*" and position != len(segments) - 1:
            raise ValueError(f"Route {pattern!r}: a catch-all parameter must be the last segment")
        if name in names:
            raise ValueError(f"Route {pattern!r}: parameter {name!r} appears twice")
        names.append(name)
    return tuple(names)


def check_timeout(timeout: Any) -> Optional[float]:
    """A route's `timeout=`: None (the server's --timeout), or seconds from 0 (none) to a day."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout <= 86400:
        raise ValueError(f"timeout={timeout!r}: expected a number of seconds from 0 (no timeout) to 86400, or None")
    return float(timeout)


def shape_of(pattern: str) -> str:
    """The pattern with parameter names erased: two routes of one shape conflict."""
    return "/".join(s[0] if s[:1] in (":", "*") else s for s in pattern.split("/"))


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    handler: Callable[..., Any]
    endpoint: Endpoint
    is_const: bool = False
    auth_required: bool = False
    status_code: Optional[int] = None
    openapi_name: str = ""
    openapi_tags: Tuple[str, ...] = ()
    response_model: Any = None
    responses: Any = None
    deprecated: bool = False
    include_in_schema: bool = True
    # Seconds until the gateway answers 504 (beyond Robyn): None follows --timeout, 0 means none.
    timeout: Optional[float] = None
    router: Any = None  # the router that registered it: its authentication handler applies
    # Captured at registration (the exception handler and dependencies in force then); kept to
    # recompile under a prefix.
    on_error: Optional[ExceptionHandler] = None
    dependencies: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        method: str,
        path: str,
        handler: Callable[..., Any],
        *,
        status_code: Optional[int] = None,
        on_error: Optional[ExceptionHandler] = None,
        dependencies: Dict[str, Dict[str, Any]],
        **options: Any,
    ) -> "Route":
        endpoint = compile_endpoint(
            through_model(handler, options.get("response_model")), path, param_names_of(path), status_code,
            on_error, dependencies,
        )
        return cls(
            method, path, handler, endpoint, status_code=status_code,
            on_error=on_error, dependencies=dependencies, **options,
        )

    @property
    def param_names(self) -> Tuple[str, ...]:
        return self.endpoint.param_names

    @property
    def is_async(self) -> bool:
        return self.endpoint.is_async

    def included(self, prefix: str, tags: Sequence[str]) -> "Route":
        """This route as seen by a router that includes its router."""
        path = normalize_endpoint(prefix + self.path) if prefix else self.path
        route = replace(self, path=path, openapi_tags=tuple(tags) + self.openapi_tags)
        if path == self.path:
            return route
        endpoint = compile_endpoint(
            through_model(self.handler, self.response_model), path, param_names_of(path), self.status_code,
            self.on_error, self.dependencies,
        )
        return replace(route, endpoint=endpoint)

    # Robyn 0.88's names for a route of `app.router.routes` ------------------------------

    @property
    def route(self) -> str:
        return self.path

    @property
    def route_type(self) -> HttpMethod:
        return HttpMethod[self.method]

    @property
    def function(self) -> FunctionInfo:
        return FunctionInfo.of(self.handler)

    @property
    def openapi_metadata(self) -> RouteOpenAPIMeta:
        return route_meta(self)


def through_model(handler: Callable[..., Any], model: Any) -> Callable[..., Any]:
    """With a pydantic `response_model`, a dict the handler returns is validated and serialised
    through the model, as Robyn does (a return that does not validate raises: the exception handler's
    or a 500). Other returns, and other response_models, are left as they are."""
    if not is_pydantic_v2_model(model):
        return handler

    def shaped(value: Any) -> Any:
        return model.model_validate(value) if isinstance(value, dict) else value

    if is_coroutine_function(handler):
        @functools.wraps(handler)
        async def validated_async(*args: Any, **kwargs: Any) -> Any:
            return shaped(await handler(*args, **kwargs))

        return validated_async

    @functools.wraps(handler)
    def validated(*args: Any, **kwargs: Any) -> Any:
        return shaped(handler(*args, **kwargs))

    return validated
