"""Route patterns (contract §3.2) and the record of a registered route."""

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from robyn.dispatch import Endpoint, ExceptionHandler, compile_endpoint


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
    router: Any = None  # the router that registered it: its authentication handler applies (§16)
    # Captured at registration (contract §11, §17); kept to recompile under a prefix.
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
        endpoint = compile_endpoint(handler, path, param_names_of(path), status_code, on_error, dependencies)
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
            self.handler, path, param_names_of(path), self.status_code, self.on_error, self.dependencies
        )
        return replace(route, endpoint=endpoint)
